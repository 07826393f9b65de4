/* xenstore path validation and manipulation. */
#include "xs_path.h"
#include "public/io/xs_wire.h"

static bool xs_path_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '/' || c == '_' || c == '@';
}

/* The rules shared by absolute paths and the relative part: allowed
 * characters, no empty component, no trailing '/'. */
static bool xs_path_body_ok(const char *p)
{
	char prev = p[0];

	if (!p[0] || !xs_path_char_ok(p[0]))
		return false;
	for (size_t i = 1; p[i]; prev = p[i], i++) {
		if (!xs_path_char_ok(p[i]) || (p[i] == '/' && prev == '/'))
			return false;
	}
	return prev != '/';
}

bool xs_path_valid(const char *path)
{
	if (path[0] != '/' || strnlen(path, XENSTORE_ABS_PATH_MAX + 1) > XENSTORE_ABS_PATH_MAX)
		return false;
	if (!path[1])
		return true;	/* the root */
	return xs_path_body_ok(path);
}

void xs_path_domain(uint32_t domid, char *buf)
{
	snprintf(buf, XS_PATH_DOMAIN_MAX, "/local/domain/%u", (unsigned)domid);
}

int xs_path_canonical(const char *in, uint32_t domid, char **out, bool *relative)
{
	char home[XS_PATH_DOMAIN_MAX];
	size_t len, hlen;

	*out = NULL;
	*relative = in[0] != '/';
	if (!*relative) {
		if (!xs_path_valid(in))
			return XSD_EINVAL;
		*out = strdup(in);
		return *out ? 0 : XSD_ENOMEM;
	}
	len = strnlen(in, XENSTORE_REL_PATH_MAX + 1);
	if (len > XENSTORE_REL_PATH_MAX || !xs_path_body_ok(in))
		return XSD_EINVAL;
	xs_path_domain(domid, home);
	hlen = strlen(home);
	if (hlen + 1 + len > XENSTORE_ABS_PATH_MAX)
		return XSD_EINVAL;
	*out = malloc(hlen + 1 + len + 1);
	if (!*out)
		return XSD_ENOMEM;
	memcpy(*out, home, hlen);
	(*out)[hlen] = '/';
	memcpy(*out + hlen + 1, in, len + 1);
	return 0;
}

bool xs_path_is_child(const char *child, const char *parent)
{
	size_t n = strlen(parent);

	if (n == 1 && parent[0] == '/')
		return child[0] == '/';
	return strncmp(child, parent, n) == 0 && (child[n] == '\0' || child[n] == '/');
}

size_t xs_path_parent_len(const char *path)
{
	size_t n = (size_t)(strrchr(path, '/') - path);

	return n ? n : 1;
}

const char *xs_path_base(const char *path)
{
	return strrchr(path, '/') + 1;
}

char *xs_path_join(const char *parent, const char *name)
{
	size_t pl = strlen(parent), nl = strlen(name);
	bool root = pl == 1;
	char *p = malloc(pl + nl + 2);

	if (!p)
		return NULL;
	memcpy(p, parent, pl);
	if (root)
		pl = 0;
	p[pl] = '/';
	memcpy(p + pl + 1, name, nl + 1);
	return p;
}
