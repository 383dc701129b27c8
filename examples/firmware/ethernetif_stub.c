/*
 * ethernetif_stub.c - the Ethernet interface of the firmware example, as
 * a STUB: frames sent are dropped and none ever arrives.
 *
 * Replace it with your MAC's driver: lwIP's contrib/examples/ethernetif
 * template, or the one of your MCU vendor (STM32 ETH, NXP ENET, Microchip
 * GMAC ...). What a driver does:
 *   - init: the MAC address (from the part's unique id or an EEPROM), the
 *     MTU, the flags, DMA descriptors, the PHY;
 *   - linkoutput: hands the frame (a pbuf chain) to the DMA;
 *   - receive (interrupt or driver thread): each frame into a pbuf from
 *     PBUF_POOL, passed to netif->input(p, netif), which is tcpip_input
 *     (safe from any thread);
 *   - link changes: netif_set_link_up/down (with LOCK_TCPIP_CORE).
 */
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

err_t pe_fw_ethernetif_init(struct netif *netif);

static err_t stub_linkoutput(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    (void)p;
    return ERR_OK; /* a real driver queues p for transmission */
}

err_t pe_fw_ethernetif_init(struct netif *netif)
{
    /* A locally administered placeholder: use the part's own address. */
    static const u8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->output = etharp_output;
    netif->linkoutput = stub_linkoutput;
    netif->mtu = 1500;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    MEMCPY(netif->hwaddr, mac, ETH_HWADDR_LEN);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
                   NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
    return ERR_OK;
}
