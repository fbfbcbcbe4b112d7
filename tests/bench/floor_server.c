// The floor under any Redis-protocol server's cost per request: a server that does nothing but
// answer each command with +PONG (and redis-benchmark's start-up CONFIG GET <name> with <name> ""),
// one thread, one read and one write per wake-up. What credis or redis-server spend above it is
// their own work; what both spend is the kernel's (the loopback TCP stack, waking the client,
// being woken).
//
//   floor_server --port <port> [--io epoll|uring] [other --name value pairs are ignored]
//
// --io uring (built with -DFLOOR_URING -luring): the same replies through io_uring, a multishot
// receive per connection into provided buffers and the replies' sends submitted with the wait for
// the next request, so one system call per wake-up instead of epoll's three (epoll_wait, read,
// write).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef FLOOR_URING
#include <liburing.h>
#endif

enum { MAX_FD = 65536, IN_CAP = 65536, OUT_CAP = 1 << 20 };

typedef struct {
  char in[IN_CAP];  // the start of a command that has not fully arrived
  size_t in_len;
  char* out;  // replies not yet sent
  size_t out_len, out_sent;
  int sending;  // io_uring: a send is in flight
  int recv_done;  // io_uring: the receive ended (peer gone); closed once no send is in flight
} conn;

static conn* conns[MAX_FD];

static void die(const char* what) {
  perror(what);
  exit(1);
}

// The length of the complete command at p (inline or multibulk), or 0 if it has not all arrived.
static size_t command_length(const char* p, size_t n) {
  const char* eol = memchr(p, '\n', n);
  if (!eol) return 0;
  if (p[0] != '*') return (size_t)(eol - p) + 1;
  long args = strtol(p + 1, NULL, 10);
  const char* at = eol + 1;
  for (long i = 0; i < args; ++i) {
    const char* line_end = memchr(at, '\n', (size_t)(p + n - at));
    if (!line_end) return 0;
    long len = strtol(at + 1, NULL, 10);
    if (len < 0 || len > (long)n) return 0;  // not a length a PING ever has: wait for more
    at = line_end + 1 + len + 2;
    if (at > p + n) return 0;
  }
  return (size_t)(at - p);
}

static void append(conn* c, const char* data, size_t len) {
  if (c->out_len + len > OUT_CAP) return;  // a client that never reads: dropped, as a floor may
  memcpy(c->out + c->out_len, data, len);
  c->out_len += len;
}

// +PONG, or for redis-benchmark's CONFIG GET <name> at its start: <name> set to "".
static void reply(conn* c, const char* cmd, size_t len) {
  if (!memmem(cmd, len, "CONFIG", 6) && !memmem(cmd, len, "config", 6)) {
    append(c, "+PONG\r\n", 7);
    return;
  }
  const char* name = cmd + len - 2;  // the last bulk string, before its \r\n
  while (name > cmd && name[-1] != '\n') --name;
  char head[64];
  int n = snprintf(head, sizeof head, "*2\r\n$%zu\r\n", (size_t)(cmd + len - 2 - name));
  append(c, head, (size_t)n);
  append(c, name, (size_t)(cmd + len - name));
  append(c, "$0\r\n\r\n", 6);
}

// Appends the bytes read to what was pending and queues a reply per complete command.
static void consume(conn* c, const char* data, size_t n) {
  const char* p = data;
  size_t left = n;
  if (c->in_len) {
    size_t take = n < IN_CAP - c->in_len ? n : IN_CAP - c->in_len;
    memcpy(c->in + c->in_len, data, take);
    c->in_len += take;
    p = c->in, left = c->in_len;
  }
  size_t len;
  while (left && (len = command_length(p, left)) > 0) {
    reply(c, p, len);
    p += len, left -= len;
  }
  memmove(c->in, p, left);
  c->in_len = left == IN_CAP ? 0 : left;  // a command longer than the buffer is dropped
}

static conn* open_conn(int fd) {
  if (fd >= MAX_FD) {
    close(fd);
    return NULL;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  conn* c = calloc(1, sizeof *c);
  c->out = malloc(OUT_CAP);
  conns[fd] = c;
  return c;
}

static void close_conn(int fd) {
  if (conns[fd]) {
    free(conns[fd]->out);
    free(conns[fd]);
    conns[fd] = NULL;
  }
  close(fd);
}

static void run_epoll(int listener) {
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev)) die("epoll");
  static char buf[16384];
  struct epoll_event evs[256];
  for (;;) {
    int n = epoll_wait(ep, evs, 256, -1);
    for (int i = 0; i < n; ++i) {
      int fd = evs[i].data.fd;
      if (fd == listener) {
        int c = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
        struct epoll_event e = {.events = EPOLLIN, .data.fd = c};
        if (c >= 0 && open_conn(c)) epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
        continue;
      }
      ssize_t got = read(fd, buf, sizeof buf);
      if (got == 0 || (got < 0 && errno != EAGAIN)) {
        close_conn(fd);
        continue;
      }
      if (got < 0) continue;
      conn* c = conns[fd];
      consume(c, buf, (size_t)got);
      // A floor, not a server: a reply the socket cannot take now is dropped, never waited for.
      ssize_t sent = c->out_len ? write(fd, c->out, c->out_len) : 0;
      c->out_len = 0;
      if (sent < 0 && errno != EAGAIN) close_conn(fd);
    }
  }
}

#ifdef FLOOR_URING
enum { OP_ACCEPT = 1, OP_RECV, OP_SEND, BUFS = 256, BUF_SIZE = 16384, GROUP = 1 };

static struct io_uring ring;
static unsigned sends_in_flight;

static uint64_t tag(int op, int fd) { return ((uint64_t)op << 32) | (uint32_t)fd; }

static struct io_uring_sqe* next_sqe(void) {
  struct io_uring_sqe* s = io_uring_get_sqe(&ring);
  if (!s) {  // the submission queue is full: hand it to the kernel and take a fresh one
    io_uring_submit(&ring);
    s = io_uring_get_sqe(&ring);
  }
  return s;
}

static void start_accept(int listener) {
  struct io_uring_sqe* s = next_sqe();
  io_uring_prep_multishot_accept(s, listener, NULL, NULL, 0);
  io_uring_sqe_set_data64(s, tag(OP_ACCEPT, listener));
}

static void start_recv(int fd) {
  struct io_uring_sqe* s = next_sqe();
  io_uring_prep_recv_multishot(s, fd, NULL, 0, 0);
  s->flags |= IOSQE_BUFFER_SELECT;
  s->buf_group = GROUP;
  io_uring_sqe_set_data64(s, tag(OP_RECV, fd));
}

static void start_send(int fd, conn* c) {
  struct io_uring_sqe* s = next_sqe();
  // MSG_WAITALL: the kernel finishes a short send itself, so a completion means all or an error.
  io_uring_prep_send(s, fd, c->out + c->out_sent, c->out_len - c->out_sent, MSG_WAITALL);
  io_uring_sqe_set_data64(s, tag(OP_SEND, fd));
  c->sending = 1;
  ++sends_in_flight;
}

static void run_uring(int listener) {
  struct io_uring_params params = {.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN |
                                            IORING_SETUP_DEFER_TASKRUN};
  int rc = io_uring_queue_init_params(1024, &ring, &params);
  if (rc) {
    fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-rc));
    exit(1);
  }
  char* mem = malloc((size_t)BUFS * BUF_SIZE);
  struct io_uring_buf_ring* br;
  if (posix_memalign((void**)&br, 4096, BUFS * sizeof(struct io_uring_buf))) die("memalign");
  struct io_uring_buf_reg reg = {.ring_addr = (unsigned long)br, .ring_entries = BUFS, .bgid = GROUP};
  if ((rc = io_uring_register_buf_ring(&ring, &reg, 0))) {
    fprintf(stderr, "io_uring_register_buf_ring: %s\n", strerror(-rc));
    exit(1);
  }
  io_uring_buf_ring_init(br);
  for (int i = 0; i < BUFS; ++i)
    io_uring_buf_ring_add(br, mem + (size_t)i * BUF_SIZE, BUF_SIZE, i, io_uring_buf_ring_mask(BUFS), i);
  io_uring_buf_ring_advance(br, BUFS);
  start_accept(listener);
  for (;;) {
    // One system call per wake-up: the replies go out and the call returns once they are done
    // and one more thing happened (a request, a connection). The timeout bounds the wait of a
    // request that came while a send to a full socket was still pending.
    struct __kernel_timespec limit = {.tv_nsec = 10 * 1000 * 1000};
    struct io_uring_cqe* first;
    io_uring_submit_and_wait_timeout(&ring, &first, sends_in_flight + 1,
                                     sends_in_flight ? &limit : NULL, NULL);
    struct io_uring_cqe* cqe;
    unsigned head, seen = 0;
    int returned = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      int op = (int)(cqe->user_data >> 32), fd = (int)(cqe->user_data & 0xffffffff);
      if (op == OP_ACCEPT) {
        if (cqe->res >= 0 && open_conn(cqe->res)) start_recv(cqe->res);
        if (!(cqe->flags & IORING_CQE_F_MORE)) start_accept(listener);  // e.g. after EMFILE
      } else if (op == OP_RECV) {
        conn* c = conns[fd];
        if (cqe->flags & IORING_CQE_F_BUFFER) {
          int bid = (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
          char* b = mem + (size_t)bid * BUF_SIZE;
          if (c && cqe->res > 0) consume(c, b, (size_t)cqe->res);
          io_uring_buf_ring_add(br, b, BUF_SIZE, bid, io_uring_buf_ring_mask(BUFS), returned++);
        }
        if (!c) continue;
        if (cqe->res <= 0 && cqe->res != -ENOBUFS) {
          // The fd is closed only once nothing of it is in flight, so its number, reused by
          // the next accept, never meets a completion of the old connection.
          c->recv_done = 1;
          if (!c->sending) close_conn(fd);
          continue;
        }
        if (!c->sending && c->out_len) start_send(fd, c);
        if (!(cqe->flags & IORING_CQE_F_MORE)) start_recv(fd);
      } else if (op == OP_SEND) {
        conn* c = conns[fd];
        c->sending = 0;
        --sends_in_flight;
        if (cqe->res < 0) c->out_len = c->out_sent = 0;  // the peer is going: drop its replies
        else c->out_sent += (size_t)cqe->res;
        if (c->recv_done) {
          close_conn(fd);
          continue;
        }
        if (c->out_sent == c->out_len) c->out_len = c->out_sent = 0;
        else start_send(fd, c);
      }
    }
    if (returned) io_uring_buf_ring_advance(br, returned);
    io_uring_cq_advance(&ring, seen);
  }
}
#endif

int main(int argc, char** argv) {
  int port = 0;
  const char* io = "epoll";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
    if (!strcmp(argv[i], "--io")) io = argv[i + 1];
  }
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, (struct sockaddr*)&addr, sizeof addr) || listen(listener, 511)) die("listen");
  if (!strcmp(io, "epoll")) run_epoll(listener);
#ifdef FLOOR_URING
  if (!strcmp(io, "uring")) run_uring(listener);
#endif
  fprintf(stderr, "--io %s: not built in\n", io);
  return 1;
}
