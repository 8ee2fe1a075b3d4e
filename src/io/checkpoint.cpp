// Checkpoint files: /arrays/<name> (float64, n-D, shuffle+zlib+Fletcher-32), /scalars and
// /metadata as typed attributes; root attributes punctum_kind = "checkpoint", checkpoint_format.
#include "punctum/io/checkpoint.hpp"

#include "punctum/core/error.hpp"
#include "punctum/io/h5.hpp"

namespace punctum::io {

namespace {
void require_entry_name(const std::string& name, const std::string& what) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    throw InvalidParameter(what, "'" + name + "'", "a non-empty name without '/'", "");
}
}  // namespace

void Checkpoint::save(const std::filesystem::path& path,
                      const std::map<std::string, NamedArray>& arrays,
                      const std::map<std::string, Scalar>& scalars,
                      const std::map<std::string, std::string>& metadata) {
  // Validate everything before the first byte is written.
  for (const auto& [name, array] : arrays) {
    require_entry_name(name, "checkpoint array name");
    std::size_t count = 1;
    std::string shape = "(";
    for (std::size_t i = 0; i < array.shape.size(); ++i) {
      count *= array.shape[i];
      shape += (i ? ", " : "") + std::to_string(array.shape[i]);
    }
    shape += ")";
    if (array.shape.empty() || count != array.values.size())
      throw InvalidParameter("shape of checkpoint array '" + name + "'", shape,
                             "a shape of rank >= 1 whose product equals the " +
                                 std::to_string(array.values.size()) + " values given",
                             "");
  }
  for (const auto& [name, value] : scalars) require_entry_name(name, "checkpoint scalar name");
  for (const auto& [name, value] : metadata) require_entry_name(name, "checkpoint metadata name");

  H5Writer writer(path, WriterOptions{false, 0});
  writer.set_attribute("/", "punctum_kind", "checkpoint");
  writer.set_attribute("/", "checkpoint_format", format_version);
  writer.set_attribute("/", "punctum_version", punctum::version);
  writer.create_group("/arrays");
  writer.create_group("/scalars");
  writer.create_group("/metadata");
  for (const auto& [name, array] : arrays)
    writer.write_dataset("/arrays/" + name, array.values, array.shape, "1", {},
                         DatasetOptions{1, true});
  for (const auto& [name, value] : scalars)
    std::visit([&, &n = name](auto v) { writer.set_attribute("/scalars", n, v); }, value);
  for (const auto& [name, text] : metadata) writer.set_attribute("/metadata", name, text);
  writer.commit();
}

void Checkpoint::save(const std::filesystem::path& path) const {
  save(path, arrays, scalars, metadata);
}

Checkpoint Checkpoint::load(const std::filesystem::path& path) {
  const H5Reader reader(path);
  if (!reader.has_attribute("/", "punctum_kind") ||
      reader.string_attribute("/", "punctum_kind") != "checkpoint")
    throw IoError(path.string() +
                  " is not a punctum checkpoint (root attribute punctum_kind != checkpoint)");
  const auto format = reader.int_attribute("/", "checkpoint_format");
  if (format != format_version)
    throw IoError(path.string() + " has checkpoint format " + std::to_string(format) +
                  "; this build reads " + std::to_string(format_version));
  Checkpoint checkpoint;
  for (const auto& name : reader.children("/arrays")) {
    Array array = reader.read_dataset("/arrays/" + name);
    checkpoint.arrays[name] = NamedArray{std::move(array.shape), std::move(array.values)};
  }
  for (const auto& name : reader.attribute_names("/scalars")) {
    const AttributeValue value = reader.attribute("/scalars", name);
    if (auto* d = std::get_if<double>(&value))
      checkpoint.scalars[name] = *d;
    else if (auto* i = std::get_if<std::int64_t>(&value))
      checkpoint.scalars[name] = *i;
    else if (auto* u = std::get_if<std::uint64_t>(&value))
      checkpoint.scalars[name] = *u;
    else
      throw IoError("checkpoint scalar '" + name + "' in " + path.string() +
                    " is not a scalar number");
  }
  for (const auto& name : reader.attribute_names("/metadata"))
    checkpoint.metadata[name] = reader.string_attribute("/metadata", name);
  return checkpoint;
}

}  // namespace punctum::io
