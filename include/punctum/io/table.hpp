#pragma once
// A columnar table (punctures, per-session summaries): named columns of equal length, each with a
// unit. Stored in HDF5 as a group holding one 1-D dataset per column, so h5py, pandas and xarray
// read any column without knowing a compound type, and a column can be added without rewriting
// the others.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "punctum/core/error.hpp"

namespace punctum::io {

/// Column storage. bool is stored as the HDF5 enum {FALSE = 0, TRUE = 1} over int8, which h5py
/// (and so pandas) reads back as numpy bool; uint8 stays a plain unsigned byte.
using ColumnValues =
    std::variant<std::vector<double>, std::vector<std::int64_t>, std::vector<std::uint8_t>,
                 std::vector<bool>, std::vector<std::string>>;

struct Column {
  std::string name;
  std::string units;  // SI symbol, "1" for dimensionless numbers and counts, "" for labels
  ColumnValues values;
  std::string description;

  std::size_t size() const {
    return std::visit([](const auto& v) { return v.size(); }, values);
  }
};

class Table {
 public:
  /// Appends a column. Throws InvalidParameter when the name is empty, contains '/', repeats an
  /// existing column, or when the length differs from the columns already present; numeric
  /// columns need a unit ("1" when dimensionless).
  Table& add(std::string name, std::string units, ColumnValues values,
             std::string description = {}) {
    return add_checked(std::move(name), std::move(units), std::move(values), std::move(description),
                       true);
  }

  /// Appends a column read from a file: the same checks as add() except the unit, since files
  /// written by other tools may carry none ("" then means "not stated").
  Table& add_as_read(std::string name, std::string units, ColumnValues values,
                     std::string description) {
    return add_checked(std::move(name), std::move(units), std::move(values), std::move(description),
                       false);
  }

  std::size_t rows() const { return columns_.empty() ? 0 : columns_.front().size(); }
  const std::vector<Column>& columns() const { return columns_; }

  const Column& column(std::string_view name) const {
    for (const auto& c : columns_)
      if (c.name == name) return c;
    throw InvalidParameter("table column", "'" + std::string(name) + "'",
                           "one of the table's columns", "");
  }

  /// The values of column `name` as type T; throws InvalidParameter if the column holds another
  /// type.
  template <class T>
  const std::vector<T>& values(std::string_view name) const {
    const Column& c = column(name);
    if (const auto* v = std::get_if<std::vector<T>>(&c.values)) return *v;
    throw InvalidParameter("table column '" + std::string(name) + "' type", "another type",
                           "the type it was stored with", "");
  }

 private:
  Table& add_checked(std::string name, std::string units, ColumnValues values,
                     std::string description, bool require_units) {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
      throw InvalidParameter("table column name", "'" + name + "'", "a non-empty name without '/'",
                             "");
    for (const auto& c : columns_)
      if (c.name == name)
        throw InvalidParameter("table column name", "'" + name + "'", "a name not already used",
                               "");
    Column column{std::move(name), std::move(units), std::move(values), std::move(description)};
    const bool is_label = std::holds_alternative<std::vector<std::string>>(column.values);
    if (require_units && column.units.empty() && !is_label)
      throw InvalidParameter("table column '" + column.name + "' units", "''",
                             "a unit symbol (\"1\" for dimensionless numbers and counts)", "");
    if (!columns_.empty() && column.size() != rows())
      throw InvalidParameter(
          "table column '" + column.name + "' length", std::to_string(column.size()),
          std::to_string(rows()) + " (the rows of the columns already present)", "rows");
    columns_.push_back(std::move(column));
    return *this;
  }
  std::vector<Column> columns_;
};

}  // namespace punctum::io
