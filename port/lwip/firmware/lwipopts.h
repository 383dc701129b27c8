/*
 * lwipopts.h - lwIP 2.x for the firmware image (`make firmware`): a
 * Cortex-M4 with an RTOS (NO_SYS 0, the socket API the port uses), one
 * Ethernet interface with DHCP, IPv4, TCP, and DNS for the endpoint's
 * name. Sized for one TLS connection at a time plus lwIP's own needs.
 *
 * The port (port/lwip/pe_port_lwip.c) needs: LWIP_SOCKET, LWIP_TCP,
 * LWIP_SOCKET_POLL (or _SELECT), LWIP_DNS for names. Adapt the rest to
 * the product (more sockets for other services, IPv6, bigger windows for
 * faster transfers).
 *
 * RAM this takes (.bss, see `make size`): MEM_SIZE for PBUF_RAM (what the
 * client sends: TLS records up to 4 KiB + headers), PBUF_POOL_SIZE
 * pool buffers for received frames, and the pools of pcbs, netconns and
 * messages below.
 */
#ifndef PE_LWIP_FIRMWARE_LWIPOPTS_H
#define PE_LWIP_FIRMWARE_LWIPOPTS_H

/* ------------------------------------------------------------ system */
#define NO_SYS 0                 /* an RTOS: lwIP's tcpip thread + sockets */
#define SYS_LIGHTWEIGHT_PROT 1   /* sys_arch_protect: interrupts off */
#define LWIP_TCPIP_CORE_LOCKING 1
#define LWIP_NETCONN_SEM_PER_THREAD 0
#define MEM_ALIGNMENT 4
#define TCPIP_THREAD_NAME "tcpip"
#define TCPIP_THREAD_STACKSIZE 1536
#define TCPIP_THREAD_PRIO 3
#define TCPIP_MBOX_SIZE 8
#define DEFAULT_THREAD_STACKSIZE 1024
#define DEFAULT_TCP_RECVMBOX_SIZE 8
#define DEFAULT_UDP_RECVMBOX_SIZE 4
#define DEFAULT_ACCEPTMBOX_SIZE 2

/* The C library's errno (newlib's, per thread with its reentrancy
 * support); its errno.h values. */
#define LWIP_ERRNO_STDINCLUDE 1

/* ------------------------------------------------------------ memory */
#define MEM_LIBC_MALLOC 0        /* lwIP's own heap of MEM_SIZE, no malloc */
#define MEMP_MEM_MALLOC 0
#define MEM_SIZE (10 * 1024)
#define PBUF_POOL_SIZE 8
#define MEMP_NUM_PBUF 8
#define MEMP_NUM_RAW_PCB 0
#define MEMP_NUM_UDP_PCB 2       /* DHCP, DNS */
#define MEMP_NUM_TCP_PCB 2
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define MEMP_NUM_TCP_SEG 16
#define MEMP_NUM_NETBUF 4
#define MEMP_NUM_NETCONN 4
#define MEMP_NUM_TCPIP_MSG_API 8
#define MEMP_NUM_TCPIP_MSG_INPKT 8

/* ------------------------------------------------------------ protocols */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_IGMP 0
#define LWIP_DHCP 1
#define LWIP_AUTOIP 0
#define LWIP_ACD 0
#define LWIP_DHCP_DOES_ACD_CHECK 0 /* lwIP 2.2 (2.1: LWIP_DHCP_DOES_ARP_CHECK) */
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DNS 1
#define DNS_MAX_SERVERS 2
#define DNS_TABLE_SIZE 2
#define IP_REASSEMBLY 0          /* TCP with MSS needs no fragments */
#define IP_FRAG 0
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_HAVE_LOOPIF 0
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1

/* TCP: one HTTPS connection. The window holds a little over a TLS
 * record's worth of segments in flight. */
#define TCP_MSS 1460
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (4 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF) / TCP_MSS)
#define LWIP_TCP_KEEPALIVE 0
#define TCP_LISTEN_BACKLOG 0

/* ------------------------------------------------------------ APIs */
#define LWIP_NETCONN 1
#define LWIP_SOCKET 1
#define LWIP_COMPAT_SOCKETS 0    /* lwip_* names only: no clash with libc */
#define LWIP_POSIX_SOCKETS_IO_NAMES 0
#define LWIP_SOCKET_POLL 1       /* the port waits with lwip_poll() */
#define LWIP_SOCKET_SELECT 0
#define LWIP_SO_RCVTIMEO 0
#define LWIP_SO_SNDTIMEO 0
#define LWIP_SO_LINGER 0
#define LWIP_SO_RCVBUF 0
#define LWIP_NETIF_API 0
#define LWIP_TCPIP_TIMEOUT 0

/* ------------------------------------------------------------ checks */
#define LWIP_STATS 0
#define LWIP_STATS_DISPLAY 0
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_UDP 1

#endif /* PE_LWIP_FIRMWARE_LWIPOPTS_H */
