#pragma once
// What the worker_frames fuzz target (fuzz_worker_frames.cpp) and its seeds (make_seeds.cpp) agree on besides the
// protocol: the input is a worker's whole stdin, frames as a parent sends them (wire.hpp), and the target's sandbox
// stands in for what a handshake or a file task names:
//  - whatever descriptor numbers a handshake gives, the session gets a memfd of segment_file_bytes for the segment
//    and one of arena_file_bytes for shared image memory (the numbers are the parent's word, and a fuzzer must not
//    map or close descriptors of its own process by number);
//  - a file task's paths are file names, no folders: the input is read from the sandbox's input folder, which holds
//    the files below, and the output written to its output folder, emptied after every input. Any other path is
//    refused without touching the file system.

#include <array>
#include <cstdint>
#include <string_view>

namespace pipeline::fuzz {

// Small, so that a task of the largest image these can hold, through a chain as long as an input can spell, still
// takes well under libFuzzer's -timeout.
inline constexpr std::uint64_t segment_file_bytes = 32 * 1024;
inline constexpr std::uint64_t arena_file_bytes = 32 * 1024;

// The sandbox's input files: a valid 8-bit RGB PNG, a valid 16-bit grey one, the first half of the RGB one, and a
// file that is no image.
inline constexpr std::string_view rgb_png = "rgb.png";
inline constexpr std::string_view grey16_png = "grey16.png";
inline constexpr std::string_view cut_png = "cut.png";
inline constexpr std::string_view not_an_image = "notes.txt";
inline constexpr std::array<std::string_view, 4> sandbox_inputs{rgb_png, grey16_png, cut_png, not_an_image};

}  // namespace pipeline::fuzz
