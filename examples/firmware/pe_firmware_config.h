/*
 * pe_firmware_config.h - the settings of the firmware alert sender
 * (examples/firmware/main.c). Edit them for your device.
 *
 * Credentials: give the device an IAM user of its own whose only
 * permission is ses:SendEmail (Pinpoint Email signs as "ses"), limited
 * with a condition on ses:FromAddress to the device's sender, so that a
 * key read out of a stolen board can send nothing else. Rotate it like
 * any other key. Better still, keep it out of the source: write it to a
 * protected flash page at provisioning and point these macros at it.
 *
 * The values below are placeholders (AWS's documentation key): the
 * firmware builds with them and the service refuses them.
 */
#ifndef PE_FIRMWARE_CONFIG_H
#define PE_FIRMWARE_CONFIG_H

/* AWS region of the Pinpoint Email endpoint:
 * email.<region>.amazonaws.com. */
#define PE_FW_REGION "us-east-1"

/* The device's access key (placeholders). */
#define PE_FW_ACCESS_KEY_ID "AKIDEXAMPLE"
#define PE_FW_SECRET_ACCESS_KEY "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

/* Sender (a verified identity of the account) and the recipient. */
#define PE_FW_FROM "pump-3@example.com"
#define PE_FW_TO "ops@example.com"

/* The device's name in the alert and its DHCP host name. */
#define PE_FW_DEVICE_NAME "pump-3"

/* The alarm: pressure below PE_FW_ALARM_MBAR raises it once; it re-arms
 * when the pressure is back above PE_FW_ALARM_MBAR + PE_FW_REARM_MBAR. */
#define PE_FW_ALARM_MBAR 1200
#define PE_FW_REARM_MBAR 100
#define PE_FW_POLL_MS 1000u

/* How long to wait for DHCP at start-up, in milliseconds. */
#define PE_FW_DHCP_TIMEOUT_MS 30000u

#endif /* PE_FIRMWARE_CONFIG_H */
