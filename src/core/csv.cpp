#include "punctum/core/detail/csv.hpp"

#include <charconv>
#include <stdexcept>

namespace punctum::detail {

namespace {
std::vector<std::vector<std::string>> parse(std::string_view text) {
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        cell += ch;
      }
      continue;
    }
    if (ch == '"') {
      quoted = any = true;
    } else if (ch == ',') {
      row.push_back(std::move(cell));
      cell.clear();
      any = true;
    } else if (ch == '\n' || ch == '\r') {
      if (any || !cell.empty()) {
        row.push_back(std::move(cell));
        out.push_back(std::move(row));
      }
      row.clear();
      cell.clear();
      any = false;
    } else {
      cell += ch;
      any = true;
    }
  }
  if (any || !cell.empty()) {
    row.push_back(std::move(cell));
    out.push_back(std::move(row));
  }
  return out;
}
}  // namespace

CsvTable::CsvTable(std::string_view text, std::string name) : name_(std::move(name)) {
  auto all = parse(text);
  if (all.empty()) throw std::logic_error("punctum table " + name_ + " is empty");
  header_ = std::move(all.front());
  rows_.assign(std::make_move_iterator(all.begin() + 1), std::make_move_iterator(all.end()));
  for (std::size_t r = 0; r < rows_.size(); ++r)
    if (rows_[r].size() != header_.size())
      throw std::logic_error("punctum table " + name_ + ": row " + std::to_string(r + 1) + " has " +
                             std::to_string(rows_[r].size()) + " cells, header has " +
                             std::to_string(header_.size()));
}

std::size_t CsvTable::column(std::string_view col) const {
  for (std::size_t c = 0; c < header_.size(); ++c)
    if (header_[c] == col) return c;
  throw std::logic_error("punctum table " + name_ + " has no column " + std::string(col));
}

const std::string& CsvTable::text(std::size_t row, std::string_view col) const {
  return rows_.at(row)[column(col)];
}

double CsvTable::number(std::size_t row, std::string_view col) const {
  const std::string& s = text(row, col);
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size())
    throw std::logic_error("punctum table " + name_ + ", row " + std::to_string(row + 1) +
                           ", column " + std::string(col) + ": '" + s + "' is not a number");
  return v;
}

double CsvTable::value(std::string_view key, std::string_view key_col,
                       std::string_view value_col) const {
  const std::size_t k = column(key_col);
  for (std::size_t r = 0; r < rows(); ++r)
    if (rows_[r][k] == key) return number(r, value_col);
  throw std::logic_error("punctum table " + name_ + " lacks " + std::string(key_col) + " '" +
                         std::string(key) + "'");
}

}  // namespace punctum::detail
