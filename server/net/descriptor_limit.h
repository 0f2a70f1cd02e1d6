// File descriptors at start-up (issue 17): the gateway needs one per client connection up to
// server.max_connections, one per database connection of its pools, and a reserve for the rest
// (listener, io context, timers, signals, log, TLS and plan files, the partition check).
//
// fit_descriptor_limit() raises the soft RLIMIT_NOFILE up to the hard limit so that all of it
// fits; when even the hard limit is too low it throws config_error naming server.max_connections
// and both figures (start-up only), rather than run out of descriptors under load.
#pragma once

#include <cstdint>

#include "server/core/config.h"

namespace rxgate::server {

// Descriptors the gateway may hold at once with configuration `c`.
std::uint64_t descriptors_needed(const config& c) noexcept;

// The soft limit to set for `need` descriptors under limits `soft`/`hard`: `soft` when it fits
// already, else `need`; 0 when the hard limit cannot fit `need`.
std::uint64_t soft_limit_for(std::uint64_t need, std::uint64_t soft, std::uint64_t hard) noexcept;

// Raises the soft limit as needed; returns the soft limit in force. Throws config_error.
std::uint64_t fit_descriptor_limit(const config& c);

}  // namespace rxgate::server
