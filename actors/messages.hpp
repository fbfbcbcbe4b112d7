// The typed messages between the actors and the actor interfaces that accept them.
#pragma once

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "storage/commands/command_batch.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::command_batch)

namespace credis {

// Atoms live in our namespace: caf already defines get_atom, put_atom and others.
using exec_atom = caf::atom_constant<caf::atom("exec")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using wake_atom = caf::atom_constant<caf::atom("wake")>;
using schedule_atom = caf::atom_constant<caf::atom("schedule")>;
using port_atom = caf::atom_constant<caf::atom("port")>;

// The keyspace: executes a connection's batch and answers with all its replies, and removes
// keys whose deadline has passed when the expiry actor says it is time.
using keyspace_actor = caf::typed_actor<
    caf::replies_to<exec_atom, command_batch>::with<std::string>,
    caf::reacts_to<expire_atom>>;

// The expiry actor: told the earliest deadline in the keyspace, it wakes the keyspace then.
using expiry_actor = caf::typed_actor<
    caf::reacts_to<schedule_atom, unix_ms>,
    caf::reacts_to<wake_atom, unix_ms>>;

}  // namespace credis
