// XDMF sidecar for field snapshots (ParaView, VisIt). Format:
// https://www.xdmf.org/index.php/XDMF_Model_and_Format
#include "punctum/io/xdmf.hpp"

#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <system_error>

#include "atomic_file.hpp"
#include "punctum/io/h5.hpp"


namespace punctum::io {

namespace fs = std::filesystem;

fs::path xdmf_path_for(const fs::path& h5_path) {
  fs::path xmf = h5_path;
  xmf.replace_extension(".xmf");
  return xmf;
}

namespace {

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

/// Shortest text that reads back to the same double (round-trip exact times and spacings).
std::string number(double value) {
  char text[32];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

}  // namespace

std::string xdmf_document(const fs::path& h5_path) {
  const H5Reader reader(h5_path);
  std::vector<std::string> series;
  const std::function<void(const std::string&)> visit = [&](const std::string& group) {
    if (reader.has_attribute(group, "punctum_kind") &&
        reader.string_attribute(group, "punctum_kind") == "field_series") {
      series.push_back(group);
      return;
    }
    for (const auto& child : reader.children(group)) {
      const std::string path = group == "/" ? "/" + child : group + "/" + child;
      if (reader.is_group(path)) visit(path);
    }
  };
  visit("/");

  const std::string file = escape(h5_path.filename().string());
  std::ostringstream xml;
  xml << "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      << "<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
      << "<Xdmf Version=\"3.0\" xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n"
      << "  <Domain>\n";
  for (const auto& group : series) {
    const FieldSeriesInfo info = reader.field_series(group);
    const Grid3& g = info.grid;
    const std::string nt = std::to_string(info.times.size()), nz = std::to_string(g.nz()),
                      ny = std::to_string(g.ny()), nx = std::to_string(g.nx());
    xml << "    <Grid Name=\"" << escape(group)
        << "\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
    for (std::size_t t = 0; t < info.times.size(); ++t) {
      xml << "      <Grid Name=\"" << escape(group) << "[" << t << "]\" GridType=\"Uniform\">\n"
          << "        <Time Value=\"" << number(info.times[t])
          << "\"/>\n"
          // Cell-centred voxels: the mesh has one more point than voxels along each axis.
          << "        <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"" << g.nz() + 1 << " "
          << g.ny() + 1 << " " << g.nx() + 1 << "\"/>\n"
          << "        <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n"
          << "          <DataItem Name=\"Origin\" Dimensions=\"3\" NumberType=\"Float\" "
             "Precision=\"8\" "
             "Format=\"XML\">"
          << number(g.origin[2]) << " " << number(g.origin[1]) << " " << number(g.origin[0])
          << "</DataItem>\n"
          << "          <DataItem Name=\"Spacing\" Dimensions=\"3\" NumberType=\"Float\" "
             "Precision=\"8\" "
             "Format=\"XML\">"
          << number(g.spacing[2]) << " " << number(g.spacing[1]) << " " << number(g.spacing[0])
          << "</DataItem>\n"
          << "        </Geometry>\n";
      for (const auto& s : info.species) {
        xml << "        <Attribute Name=\"" << escape(s.name)
            << "\" AttributeType=\"Scalar\" Center=\"Cell\">\n"
            << "          <DataItem ItemType=\"HyperSlab\" Dimensions=\"" << nz << " " << ny << " "
            << nx << "\" Type=\"HyperSlab\">\n"
            << "            <DataItem Dimensions=\"3 4\" NumberType=\"Int\" Format=\"XML\">" << t
            << " 0 0 0 1 1 1 1 1 " << nz << " " << ny << " " << nx << "</DataItem>\n"
            << "            <DataItem Dimensions=\"" << nt << " " << nz << " " << ny << " " << nx
            << "\" NumberType=\"Float\" Precision=\"" << info.value_bytes << "\" Format=\"HDF\">"
            << file << ":" << escape(group) << "/" << escape(s.name) << "</DataItem>\n"
            << "          </DataItem>\n"
            << "        </Attribute>\n";
      }
      xml << "      </Grid>\n";
    }
    xml << "    </Grid>\n";
  }
  xml << "  </Domain>\n</Xdmf>\n";
  return xml.str();
}

fs::path write_xdmf(const fs::path& h5_path, fs::path xmf_path) {
  if (xmf_path.empty()) xmf_path = xdmf_path_for(h5_path);
  const std::string document = xdmf_document(h5_path);
  const fs::path temporary = detail::temporary_beside(xmf_path);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << document;
    out.flush();
    if (!out) {
      std::error_code ignored;
      fs::remove(temporary, ignored);
      throw IoError("cannot write XDMF file " + temporary.string());
    }
  }
  detail::move_into_place(temporary, xmf_path);
  return xmf_path;
}

}  // namespace punctum::io
