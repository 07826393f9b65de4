/* Permission text and access decisions. */
#include "xs_perms.h"
#include "public/io/xs_wire.h"

static const char xs_perms_letters[4] = { 'n', 'r', 'w', 'b' };	/* by XS_PERM_* value */

static int xs_perms_parse_one(const char *s, struct xs_perm *out)
{
	uint32_t id = 0;
	size_t i;

	for (i = 0; i < 4 && xs_perms_letters[i] != s[0]; i++)
		;
	if (i == 4 || !s[1])
		return XSD_EINVAL;
	for (const char *d = s + 1; *d; d++) {
		if (!isdigit((unsigned char)*d))
			return XSD_EINVAL;
		id = id * 10 + (uint32_t)(*d - '0');
		if (id > 0xffff)
			return XSD_EINVAL;
	}
	out->id = id;
	out->perms = (uint32_t)i;
	return 0;
}

int xs_perms_parse(const char *text, size_t len, struct xs_perm *p, uint32_t max)
{
	uint32_t n = 0;
	size_t off = 0;

	if (!len || text[len - 1] != '\0')
		return -XSD_EINVAL;
	while (off < len) {
		size_t sl = strlen(text + off);
		int err;

		if (n == max)
			return -XSD_ENOSPC;
		err = xs_perms_parse_one(text + off, &p[n]);
		if (err)
			return -err;
		n++;
		off += sl + 1;
	}
	return (int)n;
}

size_t xs_perms_format(const struct xs_perm *p, uint32_t n, char *buf, size_t size)
{
	size_t off = 0;

	for (uint32_t i = 0; i < n; i++) {
		int w = snprintf(buf + off, size - off, "%c%u", xs_perms_letters[p[i].perms & 3],
				 (unsigned)p[i].id);

		if (w < 0 || (size_t)w + 1 > size - off)
			return 0;
		off += (size_t)w + 1;	/* keep snprintf's nul as the separator */
	}
	return off;
}

static bool xs_perms_is(uint32_t id, const struct xs_who *who)
{
	return id == who->domid || (who->target != XS_DOMID_NONE && id == who->target);
}

uint32_t xs_perms_for(const struct xs_perm *p, uint32_t n, const struct xs_who *who)
{
	const uint32_t all = XS_PERM_BOTH | XS_PERM_OWNER;

	if (who->privileged || xs_perms_is(p[0].id, who))
		return all;
	/* The domain's own entry wins over its target's (SET_TARGET: it
	 * "inherits" the target's grants). */
	for (uint32_t i = 1; i < n; i++) {
		if (p[i].id == who->domid)
			return p[i].perms;
	}
	for (uint32_t i = 1; i < n && who->target != XS_DOMID_NONE; i++) {
		if (p[i].id == who->target)
			return p[i].perms;
	}
	return p[0].perms;
}
