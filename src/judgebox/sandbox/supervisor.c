/*
 * judgebox box supervisor: lives inside one sandbox (bubblewrap namespaces) for a
 * whole run and starts each case's process on request, so that the namespaces
 * are set up once per run instead of once per case (~12 ms vs ~0.6 ms).
 *
 * It talks to the host over one SOCK_SEQPACKET unix socket (fd given as argv[1]):
 *
 *   host -> supervisor  RUN request: struct run_request, then NUL-separated
 *                       strings (cwd, argv..., env...), with SCM_RIGHTS fds
 *                       [stdin, stdout, stderr, cgroup.procs x ncgroup]
 *   supervisor -> host  READY once at start, then per request STARTED (pid, time
 *                       since the fork; only for a case still running after
 *                       STARTED_DELAY_MS) and EXITED (wait status, wall time,
 *                       rusage) or FAILED (errno and the stage that failed).
 *
 * The child moves itself into the case cgroup(s) by writing "0" to the
 * cgroup.procs fds that the host opened (the kernel checks the opener's
 * credentials, so the unprivileged child may use them) before exec, so the
 * supervisor itself is never counted in a case's CPU time or memory.
 *
 * The supervisor never kills: the host enforces limits and kills through the
 * cgroup (or tears the whole pid namespace down). It makes itself non-dumpable
 * so that the program it starts (same uid) cannot ptrace it, write its memory
 * or steal its fds; the seccomp filter keeps the program from signalling it.
 *
 * It is the box's pid 1 (bwrap --as-pid-1), so orphans of a case (a daemon the
 * host killed) become its children: it reaps them on SIGCHLD while it waits for
 * the next request. SIGCHLD is blocked while a request is handled, so that the
 * reaper never takes the status that wait4() is waiting for.
 *
 * Before each case it empties /tmp, /dev/shm and /dev/mqueue and removes the System
 * V IPC objects (the box's own, shared by the cases of a run; only when it is pid 1,
 * i.e. in a box): what one case left there must neither fill the next case's space,
 * nor park host memory, nor carry state into it.
 *
 * It ends the box (exits: the kernel then kills its pid namespace) when the host is
 * gone: the socket hangs up, or the judgebox process exits (a pidfd of it is given
 * as argv[2]), even while a case runs. The host starts a case only once the previous one's
 * cgroup is empty, so nothing races the wipe.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x4a425831u /* "JBX1" */
#define OP_RUN 1u
#define REPLY_READY 1u
#define REPLY_STARTED 2u
/* How long a case runs before STARTED is sent (a case that ends sooner sends EXITED only). */
#define STARTED_DELAY_MS 10
#define REPLY_EXITED 3u
#define REPLY_FAILED 4u

#define STAGE_PROTOCOL 1
#define STAGE_FORK 2
#define STAGE_CGROUP 3
#define STAGE_RLIMIT 4
#define STAGE_FDS 5
#define STAGE_CHDIR 6
#define STAGE_EXEC 7

#define MAX_FDS 16
#define MAX_STRINGS 1024
#define BUF_SIZE (256 * 1024)

struct run_request {
    uint32_t magic;
    uint32_t op;
    uint32_t argc;
    uint32_t envc;
    uint32_t ncgroup;
    uint32_t pad;
    int64_t rlimit_cpu;   /* seconds, 0 = leave as is */
    int64_t rlimit_fsize; /* bytes, 0 = leave as is */
    int64_t rlimit_stack; /* bytes, 0 = leave as is, -1 = unlimited */
    int64_t rlimit_as;    /* bytes, 0 = leave as is (only without a memory cgroup) */
    int64_t rlimit_nproc; /* count, 0 = leave as is (only without a pids cgroup) */
};

struct reply {
    uint32_t magic;
    uint32_t kind;
    int32_t pid;
    int32_t status;
    int32_t err;
    int32_t stage;
    int64_t wall_ns;
    int64_t utime_us;
    int64_t stime_us;
    int64_t maxrss_kb;
    int64_t ended_ns; /* EXITED: CLOCK_MONOTONIC when the case was reaped (one clock for all boxes) */
};

static int sock_fd;
static int owner_fd = -1; /* pidfd of the judgebox process that started the box, or -1 */
static char buf[BUF_SIZE];

/* The host is gone (its process exited, or it closed the socket): nothing of the box
 * may outlive it. As pid 1 of the box, exiting makes the kernel SIGKILL every other
 * process of the pid namespace; without a box, kill the case's process group. */
static void host_gone(pid_t case_pid) {
    if (getpid() != 1 && case_pid > 0)
        (void)kill(-case_pid, SIGKILL);
    _exit(0);
}

/* Whether the host is gone, judged from poll results on the socket and the owner pidfd. */
static int host_hung_up(const struct pollfd *sock, const struct pollfd *owner) {
    if (owner->fd >= 0 && (owner->revents & (POLLIN | POLLHUP | POLLERR)))
        return 1; /* a pidfd becomes readable when its process has exited */
    return (sock->revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

/* Poll the socket and the owner with `extra` (or only them when extra < 0): returns
 * 1 when `extra` is ready, 0 on timeout or an interrupted poll; never returns once
 * the host is gone. A request while a case runs is a protocol error (the host sends
 * one at a time): the socket is then watched for hang-ups only. */
static short sock_events = POLLIN;

static void sock_events_reset(void) {
    sock_events = POLLIN;
}

static int wait_host_or(int extra, int timeout_ms, pid_t case_pid) {
    struct pollfd fds[3] = {
        {sock_fd, case_pid > 0 ? sock_events : POLLIN, 0},
        {owner_fd, POLLIN, 0},
        {extra, POLLIN, 0},
    };
    int n = poll(fds, extra >= 0 ? 3 : 2, timeout_ms);
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN)
            return 0;
        host_gone(case_pid); /* cannot watch the host: do not run unwatched */
    }
    if (host_hung_up(&fds[0], &fds[1]))
        host_gone(case_pid);
    if (case_pid > 0 && (fds[0].revents & POLLIN)) {
        char probe;
        ssize_t got = recv(sock_fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
        if (got == 0)
            host_gone(case_pid); /* EOF */
        sock_events = 0;
    }
    return extra >= 0 && (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

static void send_reply(const struct reply *r) {
    while (send(sock_fd, r, sizeof *r, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}

static void reply_simple(uint32_t kind, int32_t pid, int32_t err, int32_t stage) {
    struct reply r;
    memset(&r, 0, sizeof r);
    r.magic = MAGIC;
    r.kind = kind;
    r.pid = pid;
    r.err = err;
    r.stage = stage;
    send_reply(&r);
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* STARTED: the case's pid, and in wall_ns how long ago it was forked. */
static void reply_started(int32_t pid, int64_t forked_ns) {
    struct reply r;
    memset(&r, 0, sizeof r);
    r.magic = MAGIC;
    r.kind = REPLY_STARTED;
    r.pid = pid;
    r.wall_ns = now_ns() - forked_ns;
    send_reply(&r);
}

static void set_limit(int resource, int64_t value) {
    struct rlimit rl;
    if (value == 0)
        return;
    if (value < 0) {
        rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
    } else {
        rl.rlim_cur = rl.rlim_max = (rlim_t)value;
    }
    if (resource == RLIMIT_CPU && value > 0)
        rl.rlim_max = (rlim_t)value + 1; /* SIGXCPU first, then SIGKILL */
    if (setrlimit(resource, &rl) < 0 && resource != RLIMIT_STACK)
        _exit(126);
}

/* In the child: report errno and stage through the CLOEXEC pipe, then die. */
static void child_fail(int pipe_fd, int stage) {
    int32_t msg[2] = {errno, stage};
    ssize_t ignored = write(pipe_fd, msg, sizeof msg);
    (void)ignored;
    _exit(127);
}

/* SIGCHLD handler, run only between requests: reap every dead orphan. */
static void reap_orphans(int sig) {
    int saved = errno;
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    errno = saved;
}

static void block_sigchld(int how) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(how, &set, NULL);
}

/* Directories a wipe could not empty (their inodes), so that it never descends into
 * one of them again. Only a program that made something undeletable fills it;
 * the host starts a case only once the previous one's processes are gone. */
struct stuck_set {
    dev_t *dev;
    ino_t *ino;
    size_t n, cap;
};

static int stuck_has(const struct stuck_set *s, const struct stat *st) {
    for (size_t i = 0; i < s->n; i++)
        if (s->dev[i] == st->st_dev && s->ino[i] == st->st_ino)
            return 1;
    return 0;
}

static int stuck_add(struct stuck_set *s, const struct stat *st) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        dev_t *dev = realloc(s->dev, cap * sizeof *dev);
        if (dev == NULL)
            return -1;
        s->dev = dev;
        ino_t *ino = realloc(s->ino, cap * sizeof *ino);
        if (ino == NULL)
            return -1;
        s->ino = ino;
        s->cap = cap;
    }
    s->dev[s->n] = st->st_dev;
    s->ino[s->n] = st->st_ino;
    s->n++;
    return 0;
}

enum scan_result { SCAN_EMPTY, SCAN_LEFTOVER, SCAN_DESCEND, SCAN_ERROR };

/* One directory level of a wipe: remove what can be removed; on the first
 * subdirectory that is not empty, open it (never through a symlink) into *sub and
 * say SCAN_DESCEND. Passes repeat while they make progress (removing entries while
 * reading a directory may make readdir skip some). */
static enum scan_result scan_level(int cur, const struct stuck_set *stuck, int *sub) {
    for (;;) {
        int copy = fcntl(cur, F_DUPFD_CLOEXEC, 0);
        if (copy < 0)
            return SCAN_ERROR;
        DIR *dir = fdopendir(copy);
        if (dir == NULL) {
            close(copy);
            return SCAN_ERROR;
        }
        int progress = 0, leftover = 0;
        struct dirent *entry;
        while ((entry = readdir(dir)) != NULL) {
            const char *name = entry->d_name;
            if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                continue;
            if (unlinkat(cur, name, 0) == 0) {
                progress = 1;
                continue;
            }
            if (errno != EISDIR) {
                leftover = 1;
                continue;
            }
            if (unlinkat(cur, name, AT_REMOVEDIR) == 0) {
                progress = 1;
                continue;
            }
            struct stat st;
            if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
                stuck_has(stuck, &st)) {
                leftover = 1;
                continue;
            }
            /* The program may have taken its own rights away (same uid: we give them back).
             * It is a directory (checked without following), and nothing else runs. */
            if (fchmodat(cur, name, 0700, 0) < 0) {
                leftover = 1;
                continue;
            }
            int fd = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) {
                leftover = 1;
                continue;
            }
            closedir(dir);
            *sub = fd;
            return SCAN_DESCEND;
        }
        closedir(dir);
        if (!progress)
            return leftover ? SCAN_LEFTOVER : SCAN_EMPTY;
    }
}

/* Empty the directory `path` (a mount of its own: /tmp, /dev/shm, /dev/mqueue) to
 * any depth, never following a symlink. Iterative and with one directory fd open at
 * a time: it goes down into the first non-empty subdirectory and back up through
 * "..", which the parent's next pass then removes. Going up never leaves the mount
 * (st_dev is checked) nor the starting directory. Best effort: returns -1 if it had
 * to stop. */
static int wipe_tree(const char *path) {
    int cur = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (cur < 0)
        return -1;
    struct stat root;
    if (fstat(cur, &root) < 0) {
        close(cur);
        return -1;
    }
    struct stuck_set stuck = {NULL, NULL, 0, 0};
    size_t depth = 0;
    int rc = 0;
    for (;;) {
        int sub = -1;
        enum scan_result r = scan_level(cur, &stuck, &sub);
        if (r == SCAN_DESCEND) {
            close(cur);
            cur = sub;
            depth++;
            continue;
        }
        if (r == SCAN_ERROR) {
            rc = -1;
            break;
        }
        if (depth == 0)
            break;
        struct stat here;
        if (r == SCAN_LEFTOVER && (fstat(cur, &here) < 0 || stuck_add(&stuck, &here) < 0)) {
            rc = -1;
            break;
        }
        int up = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat up_st;
        if (up < 0 || fstat(up, &up_st) < 0 || up_st.st_dev != root.st_dev ||
            (depth == 1 && up_st.st_ino != root.st_ino)) {
            if (up >= 0)
                close(up);
            rc = -1;
            break;
        }
        close(cur);
        cur = up;
        depth--;
    }
    close(cur);
    free(stuck.dev);
    free(stuck.ino);
    return rc;
}

#ifndef SHM_STAT_ANY
#define SHM_STAT_ANY 15
#endif
#ifndef MSG_STAT_ANY
#define MSG_STAT_ANY 13
#endif
#ifndef SEM_STAT_ANY
#define SEM_STAT_ANY 20
#endif

/* Remove every System V shared memory segment, message queue and semaphore set of
 * the box's IPC namespace (its own: bwrap --unshare-ipc), so that no case finds what
 * an earlier one left and no memory stays parked between cases. The *_INFO calls
 * give the highest index in use; *_STAT_ANY turn an index into an id whatever the
 * object's mode (the plain *_STAT, on kernels before 4.17, needs read permission).
 * Segments are destroyed once the last process detaches: the previous case's
 * processes are all gone by now. */
static void remove_sysv_ipc(void) {
    struct shm_info shm_info;
    int max = shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&shm_info);
    for (int i = 0; i <= max; i++) {
        struct shmid_ds ds;
        int id = shmctl(i, SHM_STAT_ANY, &ds);
        if (id < 0 && errno == EINVAL)
            id = shmctl(i, SHM_STAT, &ds);
        if (id >= 0)
            (void)shmctl(id, IPC_RMID, NULL);
    }
    struct msginfo msg_info;
    max = msgctl(0, MSG_INFO, (struct msqid_ds *)(void *)&msg_info);
    for (int i = 0; i <= max; i++) {
        struct msqid_ds ds;
        int id = msgctl(i, MSG_STAT_ANY, &ds);
        if (id < 0 && errno == EINVAL)
            id = msgctl(i, MSG_STAT, &ds);
        if (id >= 0)
            (void)msgctl(id, IPC_RMID, NULL);
    }
    struct seminfo sem_info;
    union semun {
        int val;
        struct semid_ds *buf;
        unsigned short *array;
        struct seminfo *info;
    } arg;
    arg.info = &sem_info;
    max = semctl(0, 0, SEM_INFO, arg);
    for (int i = 0; i <= max; i++) {
        struct semid_ds ds;
        arg.buf = &ds;
        int id = semctl(i, 0, SEM_STAT_ANY, arg);
        if (id < 0 && errno == EINVAL)
            id = semctl(i, 0, SEM_STAT, arg);
        if (id >= 0)
            (void)semctl(id, 0, IPC_RMID);
    }
}

/* What one case may leave behind for the next, removed before each case: files in
 * /tmp, /dev/shm and /dev/mqueue (POSIX message queues) and System V IPC objects.
 * Only when pid 1, i.e. in a box: without namespaces these are the host's. */
static void wipe_case_state(void) {
    if (getpid() != 1)
        return;
    (void)chmod("/tmp", 01777);
    (void)chmod("/dev/shm", 01777);
    (void)wipe_tree("/tmp");
    (void)wipe_tree("/dev/shm");
    (void)wipe_tree("/dev/mqueue");
    remove_sysv_ipc();
}

static void run_child(int pipe_fd, const struct run_request *req, int *fds, char *cwd, char **argv,
                      char **envp) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL); /* the mask survives exec: give the program none */
    for (uint32_t i = 0; i < req->ncgroup; i++) {
        if (write(fds[3 + i], "0", 1) != 1)
            child_fail(pipe_fd, STAGE_CGROUP);
    }
    setsid();
    set_limit(RLIMIT_CPU, req->rlimit_cpu);
    set_limit(RLIMIT_FSIZE, req->rlimit_fsize);
    set_limit(RLIMIT_STACK, req->rlimit_stack);
    set_limit(RLIMIT_AS, req->rlimit_as);
    set_limit(RLIMIT_NPROC, req->rlimit_nproc);
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    /* Move the three stdio fds into place; they may collide with 0..2. */
    int moved[3];
    for (int i = 0; i < 3; i++) {
        moved[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3 + MAX_FDS + 8);
        if (moved[i] < 0)
            child_fail(pipe_fd, STAGE_FDS);
    }
    for (int i = 0; i < 3; i++) {
        if (dup2(moved[i], i) < 0)
            child_fail(pipe_fd, STAGE_FDS);
    }
    /* Everything above stdio is closed at exec (the error pipe included). */
    if (syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */) < 0) {
        for (int fd = 3; fd < 1024; fd++)
            if (fd != pipe_fd)
                close(fd);
    }
    signal(SIGPIPE, SIG_DFL);
    if (chdir(cwd) < 0)
        child_fail(pipe_fd, STAGE_CHDIR);
    execve(argv[0], argv, envp);
    child_fail(pipe_fd, STAGE_EXEC);
}

static void close_fds(int *fds, int n) {
    for (int i = 0; i < n; i++)
        close(fds[i]);
}

static void handle_request(ssize_t len, int *fds, int nfds) {
    struct run_request req;
    char *strings[MAX_STRINGS + 1];
    if ((size_t)len < sizeof req) {
        reply_simple(REPLY_FAILED, 0, EINVAL, STAGE_PROTOCOL);
        close_fds(fds, nfds);
        return;
    }
    memcpy(&req, buf, sizeof req);
    uint32_t nstrings = 1 + req.argc + req.envc;
    if (req.magic != MAGIC || req.op != OP_RUN || req.argc == 0 || nstrings > MAX_STRINGS ||
        nfds != (int)(3 + req.ncgroup)) {
        reply_simple(REPLY_FAILED, 0, EINVAL, STAGE_PROTOCOL);
        close_fds(fds, nfds);
        return;
    }
    /* Split the NUL-separated strings: cwd, argv[argc], env[envc]. */
    char *p = buf + sizeof req, *end = buf + len;
    for (uint32_t i = 0; i < nstrings; i++) {
        char *nul = memchr(p, '\0', (size_t)(end - p));
        if (p >= end || nul == NULL) {
            reply_simple(REPLY_FAILED, 0, EINVAL, STAGE_PROTOCOL);
            close_fds(fds, nfds);
            return;
        }
        strings[i] = p;
        p = nul + 1;
    }
    char *argv[MAX_STRINGS + 1], *envp[MAX_STRINGS + 1];
    for (uint32_t i = 0; i < req.argc; i++)
        argv[i] = strings[1 + i];
    argv[req.argc] = NULL;
    for (uint32_t i = 0; i < req.envc; i++)
        envp[i] = strings[1 + req.argc + i];
    envp[req.envc] = NULL;

    reap_orphans(0); /* leftovers of the previous case (SIGCHLD is blocked now) */
    wipe_case_state();
    int err_pipe[2];
    if (pipe2(err_pipe, O_CLOEXEC) < 0) {
        reply_simple(REPLY_FAILED, 0, errno, STAGE_FORK);
        close_fds(fds, nfds);
        return;
    }
    int64_t started = now_ns();
    pid_t pid = fork();
    if (pid < 0) {
        reply_simple(REPLY_FAILED, 0, errno, STAGE_FORK);
        close(err_pipe[0]);
        close(err_pipe[1]);
        close_fds(fds, nfds);
        return;
    }
    if (pid == 0) {
        close(err_pipe[0]);
        close(sock_fd);
        run_child(err_pipe[1], &req, fds, strings[0], argv, envp);
    }
    close(err_pipe[1]);
    close_fds(fds, nfds);

    /* Wait for the child while watching the host: should the judgebox process die
     * (however: even SIGKILL, which no parent-death signal survives across the uid
     * change) or close the socket, the case dies at once instead of running on with
     * no host-side watchdog. A pidfd says when the child exits; without one (kernels
     * before 5.3) poll with a short timeout and check.
     *
     * STARTED goes out only once the child has run for STARTED_DELAY_MS: a short case
     * then answers with one record (EXITED), one wake-up of the host instead of two.
     * STARTED carries how long ago the child was forked, so the host's wall clock
     * starts when the case did however late the record comes. */
    int child_fd = (int)syscall(SYS_pidfd_open, pid, 0);
    int announced = 0;
    if (child_fd < 0) {
        reply_started(pid, started);
        announced = 1;
    }
    for (;;) {
        if (child_fd >= 0) {
            if (wait_host_or(child_fd, announced ? -1 : STARTED_DELAY_MS, pid))
                break;
            if (!announced) {
                reply_started(pid, started);
                announced = 1;
            }
        } else {
            wait_host_or(-1, 10, pid);
            siginfo_t info;
            memset(&info, 0, sizeof info);
            if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                info.si_pid == pid)
                break;
        }
    }
    if (child_fd >= 0)
        close(child_fd);
    sock_events_reset();

    int32_t child_err[2] = {0, 0};
    ssize_t got;
    do {
        got = read(err_pipe[0], child_err, sizeof child_err);
    } while (got < 0 && errno == EINTR);
    close(err_pipe[0]);

    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            status = 0;
            break;
        }
    }
    int64_t ended = now_ns();
    int64_t wall = ended - started;
    if (got == (ssize_t)sizeof child_err) {
        reply_simple(REPLY_FAILED, pid, child_err[0], child_err[1]);
        return;
    }
    struct reply r;
    memset(&r, 0, sizeof r);
    r.magic = MAGIC;
    r.kind = REPLY_EXITED;
    r.pid = pid;
    r.status = status;
    r.wall_ns = wall;
    r.ended_ns = ended;
    r.utime_us = (int64_t)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
    r.stime_us = (int64_t)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
    r.maxrss_kb = ru.ru_maxrss;
    send_reply(&r);
}

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    sock_fd = atoi(argv[1]);
    if (argc >= 3)
        owner_fd = atoi(argv[2]);
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return 3; /* the program (same uid) could ptrace us: refuse to serve */
    /* Only against our direct parent (bwrap's outer process); the owner pidfd covers
     * the judgebox process itself. */
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (owner_fd >= 0 && fcntl(owner_fd, F_SETFD, FD_CLOEXEC) < 0)
        owner_fd = -1;
    signal(SIGPIPE, SIG_IGN);
    struct sigaction reaper;
    memset(&reaper, 0, sizeof reaper);
    reaper.sa_handler = reap_orphans;
    reaper.sa_flags = SA_NOCLDSTOP;
    sigemptyset(&reaper.sa_mask);
    sigaction(SIGCHLD, &reaper, NULL);
    reply_simple(REPLY_READY, getpid(), 0, 0);
    for (;;) {
        struct iovec iov = {buf, sizeof buf};
        union {
            char space[CMSG_SPACE(sizeof(int) * MAX_FDS)];
            struct cmsghdr align;
        } control;
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.space;
        msg.msg_controllen = sizeof control.space;
        block_sigchld(SIG_UNBLOCK); /* idle: orphans are reaped as they die */
        while (!(wait_host_or(sock_fd, -1, 0))) {
        }
        block_sigchld(SIG_BLOCK);
        ssize_t len = recvmsg(sock_fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (len < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (len <= 0)
            return 0; /* host closed the socket: the run is over */
        int fds[MAX_FDS];
        int nfds = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                for (int i = 0; i < n && nfds < MAX_FDS; i++)
                    memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            }
        }
        if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
            reply_simple(REPLY_FAILED, 0, EMSGSIZE, STAGE_PROTOCOL);
            close_fds(fds, nfds);
            continue;
        }
        handle_request(len, fds, nfds);
    }
}
