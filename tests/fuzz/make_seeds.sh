#!/usr/bin/env bash
# Writes the seed corpus for safetensors_header_fuzzer into tests/fuzz/corpus/: tiny hand-made
# safetensors files (valid ones covering every dtype, metadata, empty and 0-d tensors, padding,
# and a few malformed ones). Run again to regenerate; the files are checked in.
set -euo pipefail
out="$(cd "$(dirname "$0")" && pwd)/corpus"
mkdir -p "$out"

# le64 N: N as 8 little-endian bytes (printf escapes).
le64() {
  local n=$1 s="" i
  for i in 0 1 2 3 4 5 6 7; do s+=$(printf '\\x%02x' $(((n >> (8 * i)) & 255))); done
  printf '%s' "$s"
}

# seed NAME HEADER DATA_BYTES [PAD]: length prefix + header (space-padded to 8 unless PAD=0) + zero data bytes.
seed() {
  local name=$1 header=$2 nbytes=$3 pad=${4:-1}
  if [[ $pad == 1 ]]; then
    while (((${#header} + 8) % 8)); do header+=" "; done
  fi
  {
    printf "$(le64 ${#header})"
    printf '%s' "$header"
    head -c "$nbytes" /dev/zero
  } >"$out/$name"
}

seed empty_object '{}' 0
seed metadata_only '{"__metadata__":{"format":"pt","note":"seed"}}' 0
seed two_tensors '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[3],"data_offsets":[24,36]}}' 36
seed all_dtypes '{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"I64","shape":[1],"data_offsets":[8,16]},"c":{"dtype":"F32","shape":[1],"data_offsets":[16,20]},"d":{"dtype":"I32","shape":[1],"data_offsets":[20,24]},"e":{"dtype":"F16","shape":[1],"data_offsets":[24,26]},"f":{"dtype":"BF16","shape":[1],"data_offsets":[26,28]},"g":{"dtype":"I16","shape":[1],"data_offsets":[28,30]},"h":{"dtype":"I8","shape":[1],"data_offsets":[30,31]},"i":{"dtype":"U8","shape":[1],"data_offsets":[31,32]},"j":{"dtype":"BOOL","shape":[1],"data_offsets":[32,33]}}' 33
seed empty_and_scalar '{"z":{"dtype":"F32","shape":[0,4],"data_offsets":[0,0]},"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}' 8
seed unknown_fields '{"t":{"extra":[1,{"x":null}],"dtype":"U8","shape":[2],"data_offsets":[0,2],"note":"x"}}' 2
seed unpadded '{"t":{"dtype":"I16","shape":[2,2],"data_offsets":[0,8]}}' 8 0
seed whitespace ' { "t" : { "dtype" : "U8" , "shape" : [ 1 ] , "data_offsets" : [ 0 , 1 ] } }' 1
seed overlap '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}' 12
seed truncated '{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}' 5
seed bad_metadata '{"__metadata__":{"n":1}}' 0
seed big_numbers '{"t":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[18446744073709551615,0]}}' 0
printf '\x02\x00\x00\x00\x00\x00\x00\x00{}' >"$out/minimal_unpadded"
echo "wrote $(ls "$out" | wc -l) seeds to $out"
