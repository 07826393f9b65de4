/*
 * The RAM file system (dom/fs.h): a tree of nodes, children kept in name
 * order in a singly linked list, file contents in one growable buffer each.
 * Open files are counted so that unlink can detach a node at once and free
 * it at the last close.
 */
#include "dom.h"
#include "dom/fs.h"
#include "dom/tar.h"
#include "dom/error.h"

struct node {
	char *name;
	bool is_dir;
	bool unlinked;		/* detached from the tree, waiting for its last close */
	unsigned int opens;
	struct node *parent;
	struct node *children;	/* directories: sorted by name */
	struct node *sibling;
	char *data;		/* files */
	size_t size, cap;
};

struct open_file {
	struct node *node;	/* NULL: free slot */
	size_t pos;
	unsigned int flags;
};

static struct node *root;
static struct open_file files[DOM_FS_MAX_OPEN];

static struct node *node_new(const char *name, size_t len, bool is_dir)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n || !(n->name = strndup(name, len))) {
		free(n);
		return NULL;
	}
	n->is_dir = is_dir;
	return n;
}

static void node_free(struct node *n)
{
	while (n->children) {
		struct node *c = n->children;

		n->children = c->sibling;
		c->parent = NULL;
		if (c->opens)
			c->unlinked = true;	/* freed by its last close */
		else
			node_free(c);
	}
	free(n->data);
	free(n->name);
	free(n);
}

static struct node *get_root(void)
{
	if (!root)
		root = node_new("", 0, true);
	return root;
}

void dom_fs_reset(void)
{
	for (int i = 0; i < DOM_FS_MAX_OPEN; i++)
		if (files[i].node)
			dom_fs_close(i);
	if (root)
		node_free(root);
	root = NULL;
}

static struct node *child(const struct node *dir, const char *name, size_t len)
{
	for (struct node *c = dir->children; c; c = c->sibling)
		if (strlen(c->name) == len && !memcmp(c->name, name, len))
			return c;
	return NULL;
}

static void attach(struct node *dir, struct node *n)
{
	struct node **p = &dir->children;

	while (*p && strcmp((*p)->name, n->name) < 0)
		p = &(*p)->sibling;
	n->sibling = *p;
	*p = n;
	n->parent = dir;
}

static void detach(struct node *n)
{
	for (struct node **p = &n->parent->children; *p; p = &(*p)->sibling) {
		if (*p == n) {
			*p = n->sibling;
			break;
		}
	}
	n->parent = NULL;
	n->sibling = NULL;
}

/*
 * Walks path. On success *dir is the directory that holds the last
 * component, *last and *last_len name it ("" for the root) and the result is
 * its node, or NULL if only the last component is missing.
 */
static int walk(const char *path, struct node **dir, const char **last, size_t *last_len,
		struct node **found)
{
	struct node *cur = get_root(), *parent = cur;
	const char *p = path, *name = "";
	size_t len = 0;

	if (!cur)
		return -ENOMEM;
	if (strnlen(path, DOM_FS_PATH_MAX) == DOM_FS_PATH_MAX)
		return -ENAMETOOLONG;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		if (!cur)
			return -ENOENT;	/* a missing directory before the last component */
		if (!cur->is_dir)
			return -ENOTDIR;
		name = p;
		for (len = 0; p[len] && p[len] != '/'; len++)
			;
		p += len;
		if (len > DOM_FS_NAME_MAX)
			return -ENAMETOOLONG;
		parent = cur;
		if (len == 1 && name[0] == '.')
			continue;
		if (len == 2 && name[0] == '.' && name[1] == '.') {
			cur = cur->parent ? cur->parent : cur;
			parent = cur->parent ? cur->parent : cur;
			continue;
		}
		cur = child(cur, name, len);
	}
	*dir = parent;
	*last = name;
	*last_len = len;
	*found = cur;
	return 0;
}

static int lookup(const char *path, struct node **n)
{
	struct node *dir, *found;
	const char *last;
	size_t len;
	int rc = walk(path, &dir, &last, &len, &found);

	if (rc)
		return rc;
	if (!found)
		return -ENOENT;
	*n = found;
	return 0;
}

/* Creates a file or directory at path; *out gets it (or the existing node with -EEXIST). */
static int create(const char *path, bool is_dir, struct node **out)
{
	struct node *dir, *found, *n;
	const char *last;
	size_t len;
	int rc = walk(path, &dir, &last, &len, &found);

	if (rc)
		return rc;
	if (found) {
		*out = found;
		return -EEXIST;
	}
	if (!dir->is_dir)
		return -ENOTDIR;
	if ((len == 1 && last[0] == '.') || (len == 2 && !memcmp(last, "..", 2)))
		return -EINVAL;
	if (!(n = node_new(last, len, is_dir)))
		return -ENOMEM;
	attach(dir, n);
	*out = n;
	return 0;
}

static int set_size(struct node *n, size_t size)
{
	if (size > n->cap) {
		size_t cap = n->cap ? n->cap : 64;
		char *d;

		while (cap < size) {
			if (cap > ((size_t)-1) / 2)
				return -EFBIG;
			cap *= 2;
		}
		if (!(d = realloc(n->data, cap)))
			return -ENOMEM;
		n->data = d;
		n->cap = cap;
	}
	if (size > n->size)
		memset(n->data + n->size, 0, size - n->size);
	n->size = size;
	return 0;
}

int dom_fs_open(const char *path, unsigned int flags)
{
	struct node *n;
	int fd, rc;

	for (fd = 0; fd < DOM_FS_MAX_OPEN && files[fd].node; fd++)
		;
	if (fd == DOM_FS_MAX_OPEN)
		return -EMFILE;
	rc = (flags & DOM_FS_CREATE) ? create(path, false, &n) : lookup(path, &n);
	if (rc && rc != -EEXIST)
		return rc;
	if (n->is_dir)
		return -EISDIR;
	if ((flags & DOM_FS_TRUNC) && (flags & DOM_FS_WRITE))
		set_size(n, 0);
	n->opens++;
	files[fd] = (struct open_file){ n, 0, flags };
	return fd;
}

static struct open_file *file(int fd)
{
	if (fd < 0 || fd >= DOM_FS_MAX_OPEN || !files[fd].node)
		return NULL;
	return &files[fd];
}

long dom_fs_read(int fd, void *buf, size_t len)
{
	struct open_file *f = file(fd);
	size_t n;

	if (!f || !(f->flags & DOM_FS_READ))
		return -EBADF;
	if (f->pos >= f->node->size)
		return 0;
	n = f->node->size - f->pos < len ? f->node->size - f->pos : len;
	memcpy(buf, f->node->data + f->pos, n);
	f->pos += n;
	return (long)n;
}

long dom_fs_write(int fd, const void *buf, size_t len)
{
	struct open_file *f = file(fd);
	int rc;

	if (!f || !(f->flags & DOM_FS_WRITE))
		return -EBADF;
	if (f->flags & DOM_FS_APPEND)
		f->pos = f->node->size;
	if (f->pos + len < f->pos)
		return -EFBIG;
	if (f->pos + len > f->node->size && (rc = set_size(f->node, f->pos + len)))
		return rc;
	if (len)
		memcpy(f->node->data + f->pos, buf, len);
	f->pos += len;
	return (long)len;
}

int dom_fs_seek(int fd, size_t pos)
{
	struct open_file *f = file(fd);

	if (!f)
		return -EBADF;
	f->pos = pos;
	return 0;
}

int dom_fs_close(int fd)
{
	struct open_file *f = file(fd);
	struct node *n;

	if (!f)
		return -EBADF;
	n = f->node;
	f->node = NULL;
	if (--n->opens == 0 && n->unlinked)
		node_free(n);
	return 0;
}

static void fill_stat(const struct node *n, struct dom_fs_stat *st)
{
	st->is_dir = n->is_dir;
	st->size = n->size;
	if (n->is_dir) {
		st->size = 0;
		for (const struct node *c = n->children; c; c = c->sibling)
			st->size++;
	}
}

int dom_fs_stat(const char *path, struct dom_fs_stat *st)
{
	struct node *n;
	int rc = lookup(path, &n);

	if (!rc)
		fill_stat(n, st);
	return rc;
}

int dom_fs_truncate(const char *path, size_t size)
{
	struct node *n;
	int rc = lookup(path, &n);

	if (rc)
		return rc;
	return n->is_dir ? -EISDIR : set_size(n, size);
}

int dom_fs_unlink(const char *path)
{
	struct node *n;
	int rc = lookup(path, &n);

	if (rc)
		return rc;
	if (n == root)
		return -EBUSY;
	if (n->is_dir && n->children)
		return -ENOTEMPTY;
	detach(n);
	if (n->opens)
		n->unlinked = true;
	else
		node_free(n);
	return 0;
}

int dom_fs_mkdir(const char *path)
{
	struct node *n;

	return create(path, true, &n);
}

int dom_fs_mkdirs(const char *path)
{
	char buf[DOM_FS_PATH_MAX];
	size_t len = strnlen(path, sizeof(buf));
	int rc;

	if (len == sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		rc = dom_fs_mkdir(buf);
		if (rc == -EEXIST) {
			struct node *n;

			if (lookup(buf, &n) == 0 && !n->is_dir)
				return -ENOTDIR;
		} else if (rc) {
			return rc;
		}
		buf[i] = path[i];
	}
	return 0;
}

int dom_fs_list(const char *dir, dom_fs_list_fn fn, void *arg)
{
	struct node *d;
	struct dom_fs_stat st;
	int rc = lookup(dir, &d);

	if (rc)
		return rc;
	if (!d->is_dir)
		return -ENOTDIR;
	for (struct node *c = d->children; c; c = c->sibling) {
		fill_stat(c, &st);
		if ((rc = fn(arg, c->name, &st)))
			return rc;
	}
	return 0;
}

int dom_fs_read_file(const char *path, char **data, size_t *len)
{
	struct node *n;
	int rc = lookup(path, &n);

	if (rc)
		return rc;
	if (n->is_dir)
		return -EISDIR;
	if (!(*data = malloc(n->size + 1)))
		return -ENOMEM;
	if (n->size)
		memcpy(*data, n->data, n->size);
	(*data)[n->size] = '\0';
	if (len)
		*len = n->size;
	return 0;
}

int dom_fs_write_file(const char *path, const void *data, size_t len, bool append)
{
	int fd = dom_fs_open(path, DOM_FS_WRITE | DOM_FS_CREATE |
				   (append ? DOM_FS_APPEND : DOM_FS_TRUNC));
	long n;

	if (fd < 0)
		return fd;
	n = dom_fs_write(fd, data, len);
	dom_fs_close(fd);
	return n < 0 ? (int)n : 0;
}

/* Parent directories of path, without the last component. */
static int make_parents(const char *path)
{
	char buf[DOM_FS_PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash)
		return 0;
	n = (size_t)(slash - path);
	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return dom_fs_mkdirs(buf);
}

static int load_entry(void *arg, const struct dom_tar_entry *e)
{
	int rc;

	(void)arg;
	if (e->type != '0' && e->type != '5')
		return 0;	/* links and devices: not in this file system */
	if ((rc = make_parents(e->path)))
		return rc;
	if (e->type == '5')
		return dom_fs_mkdirs(e->path);
	return dom_fs_write_file(e->path, e->data, e->size, false);
}

int dom_fs_load_tar(const void *buf, size_t len)
{
	return dom_tar_walk(buf, len, load_entry, NULL, NULL);
}
