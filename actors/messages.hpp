// The typed messages between the actors and the actor interfaces that accept them.
#pragma once

#include <memory>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "storage/commands/command_batch.hpp"

namespace credis {

// A keyspace the loader actor filled from an RDB file, handed over whole to the keyspace actor.
struct loaded_keyspace {
  std::shared_ptr<keyspace> ks;
};

}  // namespace credis

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::command_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::loaded_keyspace)

namespace credis {

// Atoms live in our namespace: caf already defines get_atom, put_atom and others.
using exec_atom = caf::atom_constant<caf::atom("exec")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using wake_atom = caf::atom_constant<caf::atom("wake")>;
using schedule_atom = caf::atom_constant<caf::atom("schedule")>;
using port_atom = caf::atom_constant<caf::atom("port")>;
using cron_atom = caf::atom_constant<caf::atom("cron")>;
using load_atom = caf::atom_constant<caf::atom("load")>;
using install_atom = caf::atom_constant<caf::atom("install")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using unblock_atom = caf::atom_constant<caf::atom("unblock")>;

// The keyspace: executes a connection's batch and answers with all its replies; removes keys
// whose deadline has passed when the expiry actor says it is time; runs its periodic duties
// (background saves, save points) on cron; takes over a keyspace the loader filled; and makes
// the final save before the process exits (false: it failed, so the server keeps running).
using keyspace_actor = caf::typed_actor<
    caf::replies_to<exec_atom, command_batch>::with<std::string>,
    caf::reacts_to<expire_atom>,
    caf::reacts_to<cron_atom>,
    caf::replies_to<install_atom, loaded_keyspace>::with<bool>,
    caf::replies_to<shutdown_atom>::with<bool>>;

// The expiry actor: told the earliest deadline in the keyspace, it wakes the keyspace then.
using expiry_actor = caf::typed_actor<
    caf::reacts_to<schedule_atom, unix_ms>,
    caf::reacts_to<wake_atom, unix_ms>>;

// The loader: reads the RDB file at the given path into a new keyspace and installs it in the
// keyspace actor. Answers with an empty string on success, else why loading failed.
using loader_actor = caf::typed_actor<
    caf::replies_to<load_atom, std::string>::with<std::string>>;

}  // namespace credis

namespace credis {

// Sends `xs` to the actor `self` after `delay`, anonymously. A timer message that names its
// sender holds a strong reference to the actor; landing in the actor's own mailbox during
// shutdown it forms a cycle that is never freed (LeakSanitizer found it: 1 exit in 12).
template <class Handle, class Self, class... Ts>
void send_self_later(Self* self, std::chrono::milliseconds delay, Ts&&... xs) {
  caf::delayed_anon_send(caf::actor_cast<Handle>(self), delay, std::forward<Ts>(xs)...);
}

}  // namespace credis
