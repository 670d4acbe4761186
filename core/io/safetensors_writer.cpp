#include "core/io/safetensors_writer.h"

#include <set>

#include <nlohmann/json.hpp>

#include "core/io/safetensors_reader.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace lorastudio {

namespace {
struct Prepared {
  std::string header;  // padded JSON
  std::vector<torch::Tensor> contiguous;
};

Prepared prepare(const std::vector<NamedTensor>& tensors, const std::map<std::string, std::string>& metadata,
                 const std::string& label) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header["__metadata__"] = meta;
  }
  Prepared p;
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const auto& nt : tensors) {
    if (nt.name == "__metadata__") throw FileError(label, "a tensor cannot be named __metadata__");
    if (!seen.insert(nt.name).second) throw FileError(label, "duplicate tensor name \"" + nt.name + "\"");
    if (!nt.tensor.defined()) throw FileError(label, "tensor \"" + nt.name + "\" is undefined");
    const StDtype dt = from_torch_dtype(nt.tensor.scalar_type(), label);
    torch::Tensor t;
    try {
      t = nt.tensor.detach();
      if (t.layout() != torch::kStrided) t = t.to_dense();  // sparse / mkldnn
      t = t.to(torch::kCPU).resolve_conj().resolve_neg().contiguous();
    } catch (const c10::Error& e) {
      throw FileError(label, "tensor \"" + nt.name + "\" cannot be converted to a dense CPU tensor: " +
                                 e.what_without_backtrace());
    }
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * st_dtype_size(dt);
    nlohmann::ordered_json entry;
    entry["dtype"] = st_dtype_name(dt);
    entry["shape"] = t.sizes().vec();
    entry["data_offsets"] = {offset, offset + bytes};
    // Names are known unique (above): append directly, as ordered_json's operator[] searches linearly.
    header.get_ref<nlohmann::ordered_json::object_t&>().emplace_back(nt.name, std::move(entry));
    offset += bytes;
    p.contiguous.push_back(std::move(t));
  }
  try {
    p.header = header.dump();  // strict: throws on names / metadata that are not valid UTF-8
  } catch (const nlohmann::json::exception&) {
    throw FileError(label, "tensor names and metadata must be valid UTF-8 (JSON strings)");
  }
  if (p.header.size() + 8 > kMaxSafetensorsHeader)
    throw FileError(label, "header of " + std::to_string(p.header.size()) + " bytes is over the " +
                               std::to_string(kMaxSafetensorsHeader) + "-byte limit of readers");
  // Pad with spaces so the data section starts 8-byte aligned (as the reference writer does).
  while ((8 + p.header.size()) % 8 != 0) p.header.push_back(' ');
  return p;
}

std::string length_prefix(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}
}  // namespace

std::string serialize_safetensors(const std::vector<NamedTensor>& tensors,
                                  const std::map<std::string, std::string>& metadata, const std::string& label) {
  Prepared p = prepare(tensors, metadata, label);
  std::string out = length_prefix(p.header.size()) + p.header;
  for (const auto& t : p.contiguous)
    out.append(static_cast<const char*>(t.data_ptr()), static_cast<size_t>(t.numel()) * t.element_size());
  return out;
}

void write_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  Prepared p = prepare(tensors, metadata, path);
  AtomicFile f(path);
  const std::string prefix = length_prefix(p.header.size());
  f.write(prefix.data(), prefix.size());
  f.write(p.header.data(), p.header.size());
  for (const auto& t : p.contiguous) f.write(t.data_ptr(), static_cast<size_t>(t.numel()) * t.element_size());
  f.commit();
}

}  // namespace lorastudio
