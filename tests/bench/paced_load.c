// A paced load generator for one Redis-protocol server: redis-benchmark cannot pace itself.
//
//   paced_load <port> <clients> <seconds> think <pause_us>
//       each client sends PING, waits for the reply, pauses, and again (a lightly used server);
//       each pause is drawn between half and one and a half times <pause_us>, as independent
//       users' are, so clients whose replies came in one read do not go on in step
//   paced_load <port> <clients> <seconds> rate <requests_per_second>
//       open loop: PINGs go out on a fixed schedule spread over the clients, whether or not the
//       replies are back; latency counts from the scheduled time, so a server that falls behind
//       shows it (no coordinated omission)
//
// One thread, poll(); prints "requests <n> p50_us <x> p99_us <y> max_us <z>".
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char ping[] = "*1\r\n$4\r\nPING\r\n";
static const char pong[] = "+PONG\r\n";

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

typedef struct {
  int fd;
  int64_t next_send;     // when the next PING is due
  int64_t *sent_at;      // scheduled times of the PINGs awaiting replies (a ring)
  size_t head, tail, cap;
  size_t partial;        // bytes of a reply read so far
} client;

// xorshift64: the pauses' spread needs no quality, only independence between clients.
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static int64_t jittered(int64_t pause_ns) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return pause_ns / 2 + (int64_t)(rng_state % (uint64_t)(pause_ns + 1));
}

static int64_t *latencies;
static size_t n_lat, cap_lat;

static void record(int64_t ns) {
  if (n_lat == cap_lat) {
    cap_lat = cap_lat ? cap_lat * 2 : 1 << 16;
    latencies = realloc(latencies, cap_lat * sizeof *latencies);
  }
  latencies[n_lat++] = ns;
}

static int cmp64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("connect");
    exit(1);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static void send_ping(client *c, int64_t scheduled) {
  if (write(c->fd, ping, sizeof ping - 1) != (ssize_t)(sizeof ping - 1)) {
    perror("write");
    exit(1);
  }
  if ((c->tail + 1) % c->cap == c->head) {
    fprintf(stderr, "too many requests outstanding: the server is far behind\n");
    exit(1);
  }
  c->sent_at[c->tail] = scheduled;
  c->tail = (c->tail + 1) % c->cap;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s port clients seconds think|rate value\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]), n = atoi(argv[2]);
  double seconds = atof(argv[3]);
  int open_loop = strcmp(argv[4], "rate") == 0;
  double value = atof(argv[5]);
  int64_t pause_ns = open_loop ? 0 : (int64_t)(value * 1000);
  int64_t interval_ns = open_loop ? (int64_t)(1e9 * n / value) : 0;  // per client
  client *cs = calloc((size_t)n, sizeof *cs);
  struct pollfd *pfds = calloc((size_t)n, sizeof *pfds);
  int64_t start = now_ns(), end = start + (int64_t)(seconds * 1e9);
  for (int i = 0; i < n; ++i) {
    cs[i].fd = connect_to(port);
    cs[i].cap = 4096;
    cs[i].sent_at = calloc(cs[i].cap, sizeof(int64_t));
    // Spread the clients' first sends over one interval (or pause) so they do not move in step.
    int64_t spread = open_loop ? interval_ns : pause_ns;
    cs[i].next_send = start + (spread * i) / n;
  }
  char buf[65536];
  for (;;) {
    int64_t t = now_ns();
    int busy = 0;
    int64_t wake = end;
    for (int i = 0; i < n; ++i) {
      client *c = &cs[i];
      int waiting = c->head != c->tail;
      if (t < end && (open_loop || !waiting)) {
        while (c->next_send <= t && (open_loop || c->head == c->tail)) {
          send_ping(c, c->next_send);
          c->next_send = open_loop ? c->next_send + interval_ns : INT64_MAX;
        }
        if (c->next_send < wake)
          wake = c->next_send;
      }
      busy |= c->head != c->tail;
      pfds[i].fd = c->fd;
      pfds[i].events = c->head != c->tail ? POLLIN : 0;
    }
    if (t >= end && !busy)
      break;
    // ppoll: nanosecond timeouts, so 100 µs pauses are kept.
    struct timespec ts, *timeout = NULL;
    if (t < end) {
      int64_t d = wake > t ? wake - t : 0;
      ts.tv_sec = d / 1000000000;
      ts.tv_nsec = d % 1000000000;
      timeout = &ts;
    }
    int r = ppoll(pfds, (nfds_t)n, timeout, NULL);
    if (r < 0 && errno != EINTR) {
      perror("ppoll");
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      if (!(pfds[i].revents & POLLIN))
        continue;
      client *c = &cs[i];
      ssize_t got = read(c->fd, buf, sizeof buf);
      t = now_ns();  // each reply when it is read: a burst's last read is later than its first
      if (got <= 0) {
        fprintf(stderr, "server closed the connection\n");
        return 1;
      }
      for (ssize_t k = 0; k < got; ++k) {
        if (buf[k] != pong[c->partial]) {
          fprintf(stderr, "unexpected reply byte\n");
          return 1;
        }
        if (++c->partial < sizeof pong - 1)
          continue;
        c->partial = 0;
        record(t - c->sent_at[c->head]);
        c->head = (c->head + 1) % c->cap;
        if (!open_loop)
          c->next_send = t + jittered(pause_ns);
      }
    }
  }
  qsort(latencies, n_lat, sizeof *latencies, cmp64);
  double p50 = n_lat ? latencies[n_lat / 2] / 1e3 : 0;
  double p99 = n_lat ? latencies[(size_t)(n_lat * 0.99)] / 1e3 : 0;
  double mx = n_lat ? latencies[n_lat - 1] / 1e3 : 0;
  printf("requests %zu p50_us %.1f p99_us %.1f max_us %.1f\n", n_lat, p50, p99, mx);
  return 0;
}
