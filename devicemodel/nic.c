/* What the NIC models share (nic.h). */
#include "nic.h"

static uint32_t nic_crc_table[256];
static bool nic_crc_ready;

uint32_t dm_nic_crc32(const uint8_t *p, size_t len)
{
	uint32_t c = ~0u;

	if (!nic_crc_ready) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t v = i;

			for (unsigned b = 0; b < 8; b++)
				v = v & 1 ? 0xedb88320u ^ (v >> 1) : v >> 1;
			nic_crc_table[i] = v;
		}
		nic_crc_ready = true;
	}
	for (size_t i = 0; i < len; i++)
		c = nic_crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return ~c;
}

static const char *const nic_names[] = { [DM_NIC_E1000] = "e1000", [DM_NIC_RTL8139] = "rtl8139" };

int dm_nic_model_parse(const char *name, enum dm_nic_model *model)
{
	for (unsigned i = 0; name && i < sizeof(nic_names) / sizeof(nic_names[0]); i++)
		if (!strcmp(name, nic_names[i])) {
			*model = (enum dm_nic_model)i;
			return 0;
		}
	return -1;
}

const char *dm_nic_model_name(enum dm_nic_model model)
{
	return (unsigned)model < sizeof(nic_names) / sizeof(nic_names[0]) ? nic_names[model] : "?";
}
