/* Parks state and memory where a case could leave it for the next (park), or reports
 * what it finds of it (check): System V shared memory, message queues and semaphores,
 * a POSIX message queue, files in /dev/shm, and a file in /dev itself.
 *
 *   park MIB   a SysV segment of MIB MiB (touched), one of mode 0000, a message queue,
 *              a semaphore set, a POSIX queue /parked, /dev/shm/parked-<pid> (8 MiB or
 *              what fits), and /dev/parked; prints "dev-write <errno>"
 *   check      prints "shm N", "msg N", "sem N", "mqueue <0|errno>", "devshm N", "dev N"
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

static int count_dir(const char *path) {
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "park") == 0) {
        size_t size = (size_t)atol(argv[2]) << 20;
        int id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
        if (id < 0) { perror("shmget"); return 1; }
        char *p = shmat(id, NULL, 0);
        if (p == (void *)-1) { perror("shmat"); return 1; }
        memset(p, 1, size);
        shmdt(p);
        if (shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0000) < 0) { perror("shmget 0"); return 1; }
        int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
        struct { long type; char text[64]; } m = {1, "parked"};
        if (q < 0 || msgsnd(q, &m, sizeof m.text, 0) < 0) { perror("msg"); return 1; }
        if (semget(IPC_PRIVATE, 4, IPC_CREAT | 0600) < 0) { perror("semget"); return 1; }
        mqd_t mq = mq_open("/parked", O_CREAT | O_RDWR, 0600, NULL);
        if (mq == (mqd_t)-1 || mq_send(mq, "parked", 6, 0) < 0) { perror("mq"); return 1; }
        char name[64];
        snprintf(name, sizeof name, "/dev/shm/parked-%d", (int)getpid());
        int fd = open(name, O_WRONLY | O_CREAT, 0600);
        if (fd < 0) { perror("devshm"); return 1; }
        static char chunk[1 << 20];
        memset(chunk, 2, sizeof chunk);
        for (int i = 0; i < 8; i++)
            if (write(fd, chunk, sizeof chunk) < 0)
                break;
        close(fd);
        int dev = open("/dev/parked", O_WRONLY | O_CREAT, 0600);
        printf("dev-write %d\n", dev < 0 ? errno : 0);
        return 0;
    }
    struct shm_info si;
    struct msginfo mi;
    struct seminfo sm;
    if (shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&si) < 0) { perror("SHM_INFO"); return 1; }
    if (msgctl(0, MSG_INFO, (struct msqid_ds *)(void *)&mi) < 0) { perror("MSG_INFO"); return 1; }
    if (semctl(0, 0, SEM_INFO, &sm) < 0) { perror("SEM_INFO"); return 1; }
    printf("shm %d\n", si.used_ids);
    printf("msg %d\n", mi.msgpool);  /* MSG_INFO: msgpool = number of queues in use */
    printf("sem %d\n", sm.semusz);   /* SEM_INFO: semusz = number of sets in use */
    mqd_t mq = mq_open("/parked", O_RDONLY);
    printf("mqueue %d\n", mq == (mqd_t)-1 ? errno : 0);
    printf("devshm %d\n", count_dir("/dev/shm"));
    printf("dev-parked %d\n", access("/dev/parked", F_OK) == 0);
    return 0;
}
