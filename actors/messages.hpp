// The typed messages between the actors and the actor interfaces that accept them.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/loop_timer.hpp"
#include "storage/client_registry.hpp"
#include "storage/commands/command_batch.hpp"
#include "storage/migration.hpp"

namespace credis {

// A keyspace the loader actor filled from an RDB file, handed over whole to the keyspace actor,
// with the replication history the file says its data belongs to (offset -1: none).
struct loaded_keyspace {
  std::shared_ptr<keyspace> ks;
  std::string repl_id;
  int64_t repl_offset = -1;
  int repl_stream_db = 0;
  bool from_master = false;  // a master's snapshot: not for a server that is a master now
  int64_t link_generation = 0;  // of the link that brought it (see the apply_atom message)
  int64_t payload_bytes = 0;    // the snapshot's size as the master sent it (INFO's repl input)
  // The FUNCTION libraries' codes: the keyspace loads them, on its own thread (the Lua
  // interpreters are its), in place of those it has.
  std::vector<std::string> functions;
};

// Bytes of the replication stream, shared by every replica they go to.
struct stream_bytes {
  std::shared_ptr<const std::string> bytes;
};

// A socket handed to another actor in a message: closed if the message is never handled.
struct handed_socket {
  std::shared_ptr<int> fd;
  static handed_socket of(int fd) {
    return {std::shared_ptr<int>(new int(fd), [](int* p) {
      if (*p >= 0)
        ::close(*p);
      delete p;
    })};
  }
  int take() const { return std::exchange(*fd, -1); }
};

// What a connection knows of its peer when it asks the replication manager to act: its socket
// (a full sync's snapshot is written straight to it) and what its REPLCONFs said.
struct replication_peer {
  int fd = -1;     // -1 over TLS
  bool tls = false;
  std::string ip;
  int64_t listening_port = 0;
  bool capa_eof = false;
  bool capa_psync2 = false;
  int64_t write_offset = 0;  // the client's last write (WAIT)
  int64_t client_id = 0;
};

// The replicas a full sync's snapshot is written to, and how.
struct sync_job {
  std::vector<int> fds;
  // $EOF:<mark> streamed (diskless); else the RDB file is written first and sent as $<length>.
  bool eof_form = true;
  bool fullresync_line = true;  // false for the old SYNC: the payload alone
  std::string replid;
};

// What the link to our master reports to the replication manager.
struct link_report {
  enum class kind { syncing, up, io } what = kind::io;
  std::string replid;      // syncing/up: the master's history id
  int64_t offset = 0;      // syncing: the snapshot's offset; up: ours
  int64_t last_io_ms = 0;  // the last byte from the master
};

// A MIGRATE job for the migrate actor: shared with the keyspace, which needs the dumped keys
// again when the outcome is back.
struct migrate_order {
  std::shared_ptr<const migrate_job> job;
};

// How far the loader is through an RDB (the keyspace answers -LOADING meanwhile).
struct loading_progress {
  int64_t loaded_bytes = 0;
  int64_t total_bytes = 0;
  bool done = false;  // finished, well or not: served again
};

}  // namespace credis

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::loading_progress)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::command_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::batch_replies)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::link_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::replication_settings)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::loaded_keyspace)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::stream_bytes)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::handed_socket)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::replication_peer)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::replication_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::replication_info)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::sync_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::client_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::connection_traffic)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::migrate_order)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(credis::migrate_outcome)

namespace credis {

// Atoms live in our namespace: caf already defines get_atom, put_atom and others.
using exec_atom = caf::atom_constant<caf::atom("exec")>;
using executed_atom = caf::atom_constant<caf::atom("executed")>;
using trim_atom = caf::atom_constant<caf::atom("trim")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using wake_atom = caf::atom_constant<caf::atom("wake")>;
using schedule_atom = caf::atom_constant<caf::atom("schedule")>;
using port_atom = caf::atom_constant<caf::atom("port")>;
using listen_atom = caf::atom_constant<caf::atom("listen")>;
using cron_atom = caf::atom_constant<caf::atom("cron")>;
using load_atom = caf::atom_constant<caf::atom("load")>;
using install_atom = caf::atom_constant<caf::atom("install")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using feed_atom = caf::atom_constant<caf::atom("feed")>;
using apply_atom = caf::atom_constant<caf::atom("apply")>;
using repl_atom = caf::atom_constant<caf::atom("repl")>;
using stream_atom = caf::atom_constant<caf::atom("stream")>;
using online_atom = caf::atom_constant<caf::atom("online")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;
using synced_atom = caf::atom_constant<caf::atom("synced")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using getack_atom = caf::atom_constant<caf::atom("getack")>;
using restored_atom = caf::atom_constant<caf::atom("restored")>;
using keepalive_atom = caf::atom_constant<caf::atom("keepalive")>;
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using link_atom = caf::atom_constant<caf::atom("link")>;
using drop_atom = caf::atom_constant<caf::atom("drop")>;
using config_atom = caf::atom_constant<caf::atom("config")>;
using loading_atom = caf::atom_constant<caf::atom("loading")>;
using sync_source_atom = caf::atom_constant<caf::atom("syncsrc")>;
using replies_atom = caf::atom_constant<caf::atom("replies")>;
using unblock_atom = caf::atom_constant<caf::atom("unblock")>;
using gone_atom = caf::atom_constant<caf::atom("gone")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using hello_atom = caf::atom_constant<caf::atom("hello")>;
using purge_atom = caf::atom_constant<caf::atom("purge")>;
using kill_atom = caf::atom_constant<caf::atom("kill")>;
using monitor_atom = caf::atom_constant<caf::atom("monitor")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using traffic_atom = caf::atom_constant<caf::atom("traffic")>;
using replicaof_atom = caf::atom_constant<caf::atom("replicaof")>;
using waiting_atom = caf::atom_constant<caf::atom("waiting")>;
using migrate_atom = caf::atom_constant<caf::atom("migrate")>;

// The keyspace: executes a connection's batch and sends the connection an executed_atom
// message with all its replies, the replication offset after its writes (0 when it propagated
// none) and the emptied batch to fill again (a message of its own, not a CAF response: the
// request/response bookkeeping cost ~700 instructions per request; while the keyspace is idle
// the batch comes by a call instead, see keyspace_door.hpp); applies what its master
// streams (with the stream's raw bytes, its database after them and the generation of the link
// that read them: the REPLICAOFs passed to the manager before it was made; a link older than the
// last REPLICAOF is not heard); removes keys whose
// deadline has passed when the expiry actor says it is time; runs its periodic duties
// (background saves, save points, replica pings) on cron; takes over a keyspace the loader
// filled, answering -LOADING while the loader reads it; forks the snapshot of a full sync into
// replicas' sockets (answering with the child's pid and the offset it is at); appends REPLCONF
// GETACK to the stream; takes the replication status the manager reports; keeps what connections
// report of themselves (CLIENT LIST, the slow log), telling one to close (kill_atom) when CLIENT
// KILL names it; holds clients' batches while CLIENT PAUSE lasts (resume_atom: it may have ended);
// adds up the bytes, reads and writes a connection reports without a batch (traffic_atom); learns
// which clients wait in WAIT (client id, timed, true while waiting: the manager holds them);
// learns how many MIGRATE target connections the migrate actor keeps (migrate_atom); and makes the
// final save before the process exits (false: it failed, so the server keeps running).
using keyspace_actor = caf::typed_actor<
    caf::reacts_to<exec_atom, command_batch>,
    caf::reacts_to<apply_atom, command_batch, std::string, int, int64_t>,
    caf::reacts_to<expire_atom>,
    caf::reacts_to<cron_atom>,
    caf::replies_to<install_atom, loaded_keyspace>::with<std::string>,
    caf::reacts_to<loading_atom, loading_progress>,
    caf::replies_to<sync_atom, sync_job>::with<int, int64_t>,
    caf::reacts_to<synced_atom>,
    caf::reacts_to<feed_atom>,
    caf::reacts_to<getack_atom>,
    caf::reacts_to<status_atom, replication_info>,
    caf::reacts_to<unblock_atom, int64_t, uint64_t>,
    caf::reacts_to<gone_atom, int64_t, bool>,
    caf::reacts_to<hello_atom, client_report>,
    caf::reacts_to<resume_atom>,
    caf::reacts_to<traffic_atom, int64_t, connection_traffic>,
    caf::reacts_to<waiting_atom, int64_t, bool, bool>,
    caf::reacts_to<deliver_atom>,
    caf::reacts_to<migrate_atom, int64_t>,
    caf::replies_to<shutdown_atom>::with<bool>>;

// The replication manager: keeps the backlog and the replicas, feeding them the stream the
// keyspace produces (bytes, the offset after them, and on a replica the database its master's
// stream is in there, where a new link to the master continues); answers the replication requests
// of connections (PSYNC, REPLCONF ACK, WAIT); follows the keyspace's REPLICAOF; learns that a full
// sync's child ended (pid, success); learns the history loaded data belongs to (id, offset, stream
// database); and, on a replica, runs the link to the master (start_atom, with the keyspace, once
// the data on disk is loaded); takes new repl-* settings that CONFIG SET made, and the port and
// tls-port it announces; and ends a client's WAIT that CLIENT UNBLOCK named (client id, with an
// error rather than as a timeout).
using replication_manager_actor = caf::typed_actor<
    caf::reacts_to<feed_atom, std::string, int64_t, int>,
    caf::replies_to<repl_atom, replication_request, replication_peer>::with<std::string>,
    caf::reacts_to<replicaof_atom, replication_request>, caf::reacts_to<synced_atom, int, bool>,
    caf::reacts_to<restored_atom, std::string, int64_t, int>,
    caf::reacts_to<start_atom, keyspace_actor>,
    caf::reacts_to<link_atom, link_report>,
    caf::reacts_to<timeout_atom, uint64_t>,
    caf::reacts_to<unblock_atom, int64_t, bool>,
    caf::reacts_to<config_atom, replication_settings>,
    caf::reacts_to<port_atom, uint16_t, uint16_t>,
    caf::reacts_to<cron_atom>>;

// The expiry actor: told the earliest deadline in the keyspace, it wakes the keyspace then.
using expiry_actor = caf::typed_actor<
    caf::reacts_to<schedule_atom, unix_ms>,
    caf::reacts_to<wake_atom, unix_ms>>;

// The purger: gives the allocator's free pages back to the system, on a thread of its own.
using purger_actor = caf::typed_actor<caf::reacts_to<purge_atom>>;

// The loader: reads the RDB file at the given path, or a snapshot a master sent (with the
// history id and offset it named), into a new keyspace and installs it in the keyspace actor.
// Answers with an empty string on success, else why loading failed, and the database the
// stream the data came with was in (a replica's stream after a snapshot continues there).
using loader_actor = caf::typed_actor<
    caf::replies_to<load_atom, std::string>::with<std::string, int>,
    caf::replies_to<load_atom, stream_bytes, std::string, int64_t>::with<std::string, int>>;

}  // namespace credis

namespace credis {

namespace detail {
// Sends `xs` to the actor `self` after `delay` (or up to `early` before, see loop_timer),
// anonymously. A timer message that names its sender holds a strong reference to the actor;
// landing in the actor's own mailbox during shutdown it forms a cycle that is never freed
// (LeakSanitizer found it: 1 exit in 12). An actor of the middleman's loop (a broker) gets it
// from the loop's own timer, others from CAF's clock.
template <class Handle, class Self, class... Ts>
void send_self_after(Self* self, std::chrono::milliseconds delay, std::chrono::milliseconds early,
                     Ts&&... xs) {
  // A deadline in nanoseconds of steady_clock overflows past 292 years and would fire at once
  // (BLPOP k 9e15, which Redis blocks on forever); a century is forever enough.
  delay = std::min<std::chrono::milliseconds>(delay, std::chrono::hours(24 * 365 * 100));
  if (!send_later_on_loop(self->system(), caf::actor_cast<caf::strong_actor_ptr>(self), delay,
                          caf::make_message(xs...), early))
    caf::delayed_anon_send(caf::actor_cast<Handle>(self), delay, std::forward<Ts>(xs)...);
}
}  // namespace detail

template <class Handle, class Self, class... Ts>
void send_self_later(Self* self, std::chrono::milliseconds delay, Ts&&... xs) {
  detail::send_self_after<Handle>(self, delay, {}, std::forward<Ts>(xs)...);
}

// The same for a periodic job of a second or more: it may come up to an eighth of `delay`
// early, with the wake-up of a timer due then, so that an idle server wakes for its 10 Hz cron
// only (as Redis's, whose 1 s jobs run inside it).
template <class Handle, class Self, class... Ts>
void send_self_periodic(Self* self, std::chrono::milliseconds delay, Ts&&... xs) {
  detail::send_self_after<Handle>(self, delay, delay / 8, std::forward<Ts>(xs)...);
}

}  // namespace credis
