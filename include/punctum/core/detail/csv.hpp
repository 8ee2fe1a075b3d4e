#pragma once
// A small reader for punctum's own sourced tables (data/*.csv, RFC 4180 quoting). Tables are
// embedded at build time, so this never touches the file system.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace punctum::detail {

class CsvTable {
 public:
  CsvTable(std::string_view text, std::string name);

  const std::string& name() const { return name_; }
  std::size_t rows() const { return rows_.size(); }
  const std::vector<std::string>& header() const { return header_; }
  std::size_t column(std::string_view col) const;  // throws std::logic_error if absent
  const std::string& text(std::size_t row, std::string_view col) const;
  double number(std::size_t row, std::string_view col) const;
  /// The number in `value_col` of the row whose `key_col` is `key` (the layout of punctum's
  /// name/value tables); throws std::logic_error naming the table if no row has that key.
  double value(std::string_view key, std::string_view key_col = "name",
               std::string_view value_col = "value") const;

 private:
  std::string name_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace punctum::detail
