/*
 * attempt: try each forbidden thing named on the command line and print one line per
 * attempt: "<name> errno <n> <ERRNAME>" when it failed, "<name> succeeded" when it did not.
 * Built on the host by tests/sandbox/test_isolation.py and run inside a box, where its
 * parent is the box supervisor (pid 1): the "_supervisor" attempts aim at getppid().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/io_uring.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

static long attempt(const char *name) {
    if (!strcmp(name, "socket_inet")) return socket(AF_INET, SOCK_STREAM, 0);
    if (!strcmp(name, "socket_inet6")) return socket(AF_INET6, SOCK_DGRAM, 0);
    if (!strcmp(name, "socket_vsock")) return socket(40 /* AF_VSOCK */, SOCK_STREAM, 0);
    if (!strcmp(name, "socket_netlink")) return socket(AF_NETLINK, SOCK_RAW, 0);
    if (!strcmp(name, "socket_packet")) return socket(AF_PACKET, SOCK_RAW, 0);
    if (!strcmp(name, "socketpair_inet")) { int sv[2]; return socketpair(AF_INET, SOCK_STREAM, 0, sv); }
    if (!strcmp(name, "socket_unix")) return socket(AF_UNIX, SOCK_STREAM, 0);
    if (!strcmp(name, "io_uring_setup")) {
        struct io_uring_params p; memset(&p, 0, sizeof p);
        return syscall(SYS_io_uring_setup, 8, &p);
    }
    if (!strcmp(name, "keyctl")) return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
    if (!strcmp(name, "add_key")) return syscall(SYS_add_key, "user", "k", "v", 1, KEY_SPEC_PROCESS_KEYRING);
    if (!strcmp(name, "bpf")) return syscall(SYS_bpf, 0, 0, 0);
    if (!strcmp(name, "perf_event_open")) return syscall(SYS_perf_event_open, 0, 0, -1, -1, 0);
    if (!strcmp(name, "userfaultfd")) return syscall(SYS_userfaultfd, 0);
    if (!strcmp(name, "ptrace_supervisor")) return ptrace(PTRACE_ATTACH, getppid(), 0, 0);
    if (!strcmp(name, "unshare_user")) return unshare(CLONE_NEWUSER);
    if (!strcmp(name, "unshare_mount")) return unshare(CLONE_NEWNS);
    if (!strcmp(name, "mount")) return mount("none", "/tmp", "tmpfs", 0, 0);
    if (!strcmp(name, "chroot")) return chroot("/tmp");
    if (!strcmp(name, "setuid_root")) return setuid(0);
    if (!strcmp(name, "setgid_root")) return setgid(0);
    if (!strcmp(name, "sethostname")) return sethostname("x", 1);
    if (!strcmp(name, "tiocsti")) { char c = 'x'; return ioctl(0, TIOCSTI, &c); }
    if (!strcmp(name, "kill_parent")) return kill(getppid(), SIGKILL);
    if (!strcmp(name, "kill_everyone")) return kill(-1, SIGKILL);
    if (!strcmp(name, "kill_init")) return kill(1, SIGKILL);
    if (!strcmp(name, "tgkill_supervisor")) return syscall(SYS_tgkill, getppid(), getppid(), SIGKILL);
    if (!strcmp(name, "sigqueue_supervisor")) {
        siginfo_t si; memset(&si, 0, sizeof si);
        si.si_signo = SIGKILL; si.si_code = SI_QUEUE; si.si_pid = getpid(); si.si_uid = getuid();
        return syscall(SYS_rt_sigqueueinfo, getppid(), SIGKILL, &si);
    }
    if (!strcmp(name, "pidfd_signal_supervisor")) {
        char dir[32];
        snprintf(dir, sizeof dir, "/proc/%d", (int)getppid());
        int fd = open(dir, O_RDONLY | O_DIRECTORY);
        if (fd < 0) return fd;
        return syscall(SYS_pidfd_send_signal, fd, SIGKILL, 0, 0);
    }
    if (!strcmp(name, "pidfd_signal_init")) {
        int fd = open("/proc/1", O_RDONLY | O_DIRECTORY);
        if (fd < 0) return fd;
        return syscall(SYS_pidfd_send_signal, fd, SIGKILL, 0, 0);
    }
    if (!strcmp(name, "setown_supervisor") || !strcmp(name, "setown_sigio_supervisor")) {
        int p[2];
        if (pipe(p) < 0) return -1;
        if (fcntl(p[0], F_SETOWN, getppid()) < 0) return -1;
        if (!strcmp(name, "setown_supervisor") && fcntl(p[0], F_SETSIG, SIGKILL) < 0) return -1;
        if (fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK) < 0) return -1;
        if (write(p[1], "x", 1) != 1) return -1;
        usleep(100000);
        return 0;
    }
    if (!strcmp(name, "write_pid1_memory")) return open("/proc/1/mem", O_RDWR);
    if (!strcmp(name, "pid1_fds")) return open("/proc/1/fd/2", O_WRONLY);
    if (!strcmp(name, "corrupt_pid1")) {
        /* Overwrite pid 1's code through /proc/1/mem, then wake it with an orphan's death. */
        char line[512];
        FILE *maps = fopen("/proc/1/maps", "r");
        if (!maps) return -1;
        int fd = open("/proc/1/mem", O_RDWR);
        if (fd < 0) return -1;
        while (fgets(line, sizeof line, maps)) {
            unsigned long lo, hi;
            char perms[8];
            if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && perms[2] == 'x' && !strstr(line, "[vsyscall]")) {
                static char junk[4096];
                memset(junk, 0xcc, sizeof junk); /* int3 */
                for (unsigned long a = lo; a < hi; a += sizeof junk)
                    if (pwrite(fd, junk, sizeof junk, (off_t)a) < 0) return -1;
            }
        }
        if (fork() == 0) { if (fork() == 0) _exit(0); _exit(0); }
        usleep(200000);
        return 0;
    }
    if (!strcmp(name, "read_shadow")) return open("/etc/shadow", O_RDONLY);
    if (!strcmp(name, "write_usr")) return open("/usr/judgebox-escape", O_WRONLY | O_CREAT, 0644);
    if (!strcmp(name, "write_root")) return open("/judgebox-escape", O_WRONLY | O_CREAT, 0644);
    if (!strcmp(name, "write_etc")) return open("/etc/judgebox-escape", O_WRONLY | O_CREAT, 0644);
    if (!strcmp(name, "write_box")) return open("/box/judgebox-escape", O_WRONLY | O_CREAT, 0644);
    if (!strcmp(name, "write_proc_sys")) return open("/proc/sys/kernel/hostname", O_WRONLY);
    if (!strcmp(name, "write_sysrq")) return open("/proc/sysrq-trigger", O_WRONLY);
    errno = EINVAL;
    return -2;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        errno = 0;
        long rc = attempt(argv[i]);
        if (rc == -2) { printf("%s unknown\n", argv[i]); continue; }
        if (rc < 0) printf("%s errno %d %s\n", argv[i], errno, strerrorname_np(errno));
        else printf("%s succeeded\n", argv[i]);
        fflush(stdout);
    }
    return 0;
}
