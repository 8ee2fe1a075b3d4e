#pragma once
// Progress and interruption across the C++/Python boundary. Long C++ loops run with the GIL
// released and call a plain `bool(double)` callback; this adapter re-acquires the GIL at most every
// `interval` seconds of wall clock, checks for signals (Ctrl-C) and calls the Python callback.
// Any Python exception (KeyboardInterrupt included) stops the loop and is re-raised afterwards.

#include <pybind11/pybind11.h>

#include <chrono>
#include <exception>

namespace punctum::bindings {

class PyProgress {
 public:
  explicit PyProgress(pybind11::object callback, double interval_s = 0.2)
      : callback_(std::move(callback)), interval_(interval_s) {}

  /// Called from C++ without the GIL. Returns false to stop.
  bool operator()(double value) {
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_).count() < interval_) return true;
    last_ = now;
    pybind11::gil_scoped_acquire gil;
    try {
      if (PyErr_CheckSignals() != 0) throw pybind11::error_already_set();
      if (callback_.is_none()) return true;
      const pybind11::object keep_going = callback_(value);
      return keep_going.is_none() || keep_going.cast<bool>();
    } catch (...) {
      error_ = std::current_exception();
      return false;
    }
  }

  bool failed() const { return bool(error_); }
  /// Re-raises the stored Python exception (call with the GIL held).
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  pybind11::object callback_;
  double interval_;
  std::chrono::steady_clock::time_point last_{};
  std::exception_ptr error_;
};

}  // namespace punctum::bindings
