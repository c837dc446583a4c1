#pragma once
// The rule for a device name, shared by config validation and select_device.
#include <string_view>

namespace mmgraph::detail {

// The accepted names, as messages say them.
inline constexpr std::string_view kDeviceNames = "auto, cpu, cuda or cuda:N";

// Whether `name` is "auto", "cpu", "cuda" or "cuda:N" with N of 1 to 6 decimal digits.
bool is_device_name(std::string_view name);

}  // namespace mmgraph::detail
