/*
 * PCI_SPEC_STRING (see xlspec_pci.h): the BDF is read field by field, each
 * in hex with its bound, and written back in full.
 */
#include "xlspec_pci.h"

/* Hex digits at *s, at most `max' of them, value up to `limit'. */
static bool pci_hex(const char **s, int max, unsigned int limit,
		    unsigned int *v)
{
	const char *p = *s;
	int d;

	for (*v = 0; p - *s < max; p++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
			d = (*p | 0x20) - 'a' + 10;
		else
			break;
		*v = *v * 16 + (unsigned int)d;
	}
	if (p == *s || *v > limit)
		return false;
	*s = p;
	return true;
}

char *xlspec_pci_normalize(const char *spec)
{
	unsigned int seg = 0, bus, dev, fn = 8, first;
	const char *s = spec;
	char *out;
	size_t n;

	if (!pci_hex(&s, 4, 0xffff, &first) || *s++ != ':')
		return NULL;
	if (pci_hex(&s, 2, 0xff, &bus) && *s == ':') {
		seg = first;
		s++;
	} else {
		if (first > 0xff)
			return NULL;
		bus = first;
		s = strchr(spec, ':') + 1;
	}
	if (!pci_hex(&s, 2, 0x1f, &dev) || *s++ != '.')
		return NULL;
	if (*s == '*')
		s++;
	else if (!pci_hex(&s, 1, 7, &fn))
		return NULL;
	if (*s && *s != '@' && *s != ',')
		return NULL;
	n = strlen(s) + sizeof("0000:00:00.0");
	out = malloc(n);
	if (!out)
		return NULL;
	if (fn == 8)
		snprintf(out, n, "%04x:%02x:%02x.*%s", seg, bus, dev, s);
	else
		snprintf(out, n, "%04x:%02x:%02x.%x%s", seg, bus, dev, fn, s);
	return out;
}
