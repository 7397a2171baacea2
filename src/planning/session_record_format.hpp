// src/planning/session_record_format.hpp — internal: the journaled form of a planned
// session (rule-state kind live_session, event 66). Times in ms; the views format them.
#pragma once

#include <boost/json.hpp>
#include <string_view>

#include "planning/session_records.hpp"

namespace livechain::planning {

boost::json::object session_record_json(const SessionSpec& spec, TimeMs planned_at_ms,
                                        std::string_view planned_by);
// Errors: corruption when the body is not a session record this version wrote.
Result<StoredSession> session_from_record(std::string_view body_json);

}  // namespace livechain::planning
