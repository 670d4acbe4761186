#include "core/bench/sklearn_tsne_peer.h"

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "core/util/shell_command.h"

namespace lorastudio {
namespace {

namespace fs = std::filesystem;

void write_raw(const torch::Tensor& t, const fs::path& path) {
  const auto c = t.contiguous();
  std::ofstream out(path, std::ios::binary);
  out.write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.numel() * c.element_size()));
  if (!out) throw FileError(path.string(), "cannot write");
}

torch::Tensor read_raw(const fs::path& path, std::vector<int64_t> shape, torch::ScalarType type) {
  auto t = torch::empty(shape, type);
  std::ifstream in(path, std::ios::binary);
  in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * t.element_size()));
  if (!in) throw FileError(path.string(), "the peer wrote fewer values than expected");
  return t;
}

nlohmann::json run_peer(const SklearnPeer& peer, const std::string& arguments) {
  const std::string command = shell_quote(peer.python) + " " + shell_quote(peer.script) + " " + arguments;
  const auto run = run_shell_command(command);
  if (run.exit_status != 0) throw Error("scikit-learn peer: \"" + command + "\" failed (exit status " + std::to_string(run.exit_status) + ")");
  try {
    return nlohmann::json::parse(last_nonempty_line(run.out));
  } catch (const std::exception&) {
    throw Error("scikit-learn peer: \"" + command + "\" printed no JSON line");
  }
}

}  // namespace

std::string sklearn_peer_problem(const SklearnPeer& peer) {
  if (!fs::exists(peer.script)) return "the peer script " + peer.script + " is missing";
  const auto check = run_shell_command(shell_quote(peer.python) + " -c 'import sklearn' 2>/dev/null");
  if (check.exit_status != 0) return peer.python + " cannot import sklearn (Debian: apt install python3-sklearn)";
  return "";
}

BlobData sklearn_blobs(const SklearnPeer& peer, int64_t points, int64_t features) {
  const fs::path data = fs::path(peer.work_dir) / "blobs.f32", labels = fs::path(peer.work_dir) / "labels.i64";
  run_peer(peer, "blobs " + std::to_string(points) + " " + std::to_string(features) + " " + shell_quote(data.string()) +
                     " " + shell_quote(labels.string()));
  return {read_raw(data, {points, features}, torch::kFloat32), read_raw(labels, {points}, torch::kInt64),
          "sklearn.datasets.make_blobs"};
}

BlobData own_blobs(int64_t points, int64_t features, uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  const auto centres = torch::rand({10, features}, generator) * 20.0 - 10.0;
  const auto labels = torch::randint(0, 10, {points}, generator, torch::kInt64);
  const auto x = centres.index_select(0, labels) + 2.0 * torch::randn({points, features}, generator);
  return {x.to(torch::kFloat32), labels, "lora-studio blobs"};
}

PeerTsne sklearn_tsne(const SklearnPeer& peer, const torch::Tensor& points, double perplexity, int iterations,
                      const std::string& method) {
  const fs::path data = fs::path(peer.work_dir) / "tsne-in.f32", out = fs::path(peer.work_dir) / "tsne-out.f32";
  write_raw(points.to(torch::kCPU, torch::kFloat32), data);
  const auto j = run_peer(peer, "tsne " + shell_quote(data.string()) + " " + std::to_string(points.size(0)) + " " +
                                    std::to_string(points.size(1)) + " " + shell_quote(out.string()) + " " +
                                    std::to_string(perplexity) + " " + std::to_string(iterations) + " " + method);
  PeerTsne result;
  result.embedding = read_raw(out, {points.size(0), 2}, torch::kFloat32);
  result.seconds = j.at("seconds").get<double>();
  result.kl = j.at("kl").get<double>();
  result.iterations = j.at("iterations").get<int>();
  result.version = j.at("version").get<std::string>();
  return result;
}

}  // namespace lorastudio
