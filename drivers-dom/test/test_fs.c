/* The RAM file system (fs/fs.c) and the ustar reader (fs/tar.c). */
#include "check.h"
#include "dom.h"
#include "dom/error.h"
#include "dom/fs.h"
#include "dom/tar.h"
#include "tar_writer.h"

static struct tar_buf tar;

static int count_entry(void *arg, const struct dom_tar_entry *e)
{
	(void)e;
	++*(int *)arg;
	return 0;
}

static void build_archive(void)
{
	static const char cfg[] = "name = \"guest\"\nmemory = 128\n";
	static const char rc[] = "echo hi\n";
	char longname[200], pax[256];
	int n;

	tar.len = 0;
	tar_add(&tar, "./", NULL, '5', NULL, 0);
	tar_add(&tar, "./etc/", NULL, '5', NULL, 0);
	tar_add(&tar, "./etc/rc", NULL, '0', rc, strlen(rc));
	tar_add(&tar, "guest.cfg", "etc/xen", '0', cfg, strlen(cfg));	/* ustar prefix */
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "var/", 4);
	longname[150] = '\0';
	tar_add(&tar, "././@LongLink", NULL, 'L', longname, strlen(longname) + 1);
	tar_add(&tar, "truncated-name", NULL, '0', "L", 1);
	n = snprintf(pax, sizeof(pax), "%d path=opt/pax-named-file\n", 0);
	n = snprintf(pax, sizeof(pax), "%d path=opt/pax-named-file\n", n + (n >= 9 ? 1 : 0));
	tar_add(&tar, "PaxHeaders/x", NULL, 'x', pax, (size_t)n);
	tar_add(&tar, "short", NULL, '0', "P", 1);
	tar_add(&tar, "etc/link", NULL, '2', NULL, 0);	/* symlink: skipped by the fs */
	tar_end(&tar);
}

static int list_names(void *arg, const char *name, const struct dom_fs_stat *st)
{
	char *out = arg;

	strcat(out, name);
	strcat(out, st->is_dir ? "/ " : " ");
	return 0;
}

static void test_tar(void)
{
	int count = 0;
	size_t bad = 0;

	CHECK(dom_tar_is_archive(tar.data, tar.len));
	CHECK(dom_tar_walk(tar.data, tar.len, count_entry, &count, NULL) == 6);
	CHECK(count == 6);	/* "./" is the root itself; L and x entries name others */
	tar.data[512 * 2 + 10] ^= 1;	/* damage the etc/rc header */
	CHECK(dom_tar_walk(tar.data, tar.len, count_entry, &count, &bad) == -EINVAL);
	CHECK(bad == 1024);
	tar.data[512 * 2 + 10] ^= 1;
	CHECK(dom_tar_walk(tar.data, 512 * 3 + 100, count_entry, &count, &bad) == 2);
	CHECK(dom_tar_walk(tar.data, 2048 + 512 + 10, count_entry, &count, &bad) == -EINVAL);
	CHECK(bad == 2048);	/* guest.cfg's data is cut short */
	CHECK(!dom_tar_is_archive("hello", 5));
}

static void test_load(void)
{
	char names[512] = "", *data, longpath[200];
	size_t len;

	dom_fs_reset();
	CHECK(dom_fs_load_tar(tar.data, tar.len) == 6);
	CHECK(dom_fs_read_file("/etc/xen/guest.cfg", &data, &len) == 0);
	CHECK(len == 28 && strstr(data, "memory = 128"));
	free(data);
	CHECK(dom_fs_list("/", list_names, names) == 0);
	CHECK(strcmp(names, "etc/ opt/ var/ ") == 0);
	names[0] = '\0';
	CHECK(dom_fs_list("/etc", list_names, names) == 0);
	CHECK(strcmp(names, "rc xen/ ") == 0);
	memset(longpath, 'a', sizeof(longpath));
	memcpy(longpath, "/var/", 5);
	longpath[151] = '\0';
	CHECK(dom_fs_read_file(longpath, &data, &len) == 0 && len == 1 && data[0] == 'L');
	free(data);
	CHECK(dom_fs_read_file("opt/pax-named-file", &data, NULL) == 0);
	free(data);
}

static void test_files(void)
{
	struct dom_fs_stat st;
	char buf[64], *data;
	size_t len;
	int fd, fd2;

	dom_fs_reset();
	CHECK(dom_fs_open("/x", DOM_FS_READ) == -ENOENT);
	CHECK(dom_fs_open("/nodir/x", DOM_FS_WRITE | DOM_FS_CREATE) == -ENOENT);
	CHECK(dom_fs_mkdir("/etc") == 0);
	CHECK(dom_fs_mkdir("/etc") == -EEXIST);
	CHECK(dom_fs_mkdirs("/etc/xen/auto") == 0);
	CHECK(dom_fs_mkdirs("/etc/xen/auto") == 0);
	fd = dom_fs_open("/etc/xen/a.cfg", DOM_FS_READ | DOM_FS_WRITE | DOM_FS_CREATE);
	CHECK(fd >= 0);
	CHECK(dom_fs_write(fd, "hello world", 11) == 11);
	CHECK(dom_fs_seek(fd, 6) == 0);
	CHECK(dom_fs_read(fd, buf, sizeof(buf)) == 5 && !memcmp(buf, "world", 5));
	CHECK(dom_fs_read(fd, buf, sizeof(buf)) == 0);
	CHECK(dom_fs_seek(fd, 20) == 0 && dom_fs_write(fd, "!", 1) == 1);
	CHECK(dom_fs_stat("/etc/xen/a.cfg", &st) == 0 && !st.is_dir && st.size == 21);
	CHECK(dom_fs_close(fd) == 0 && dom_fs_close(fd) == -EBADF);
	CHECK(dom_fs_read_file("/etc/xen/a.cfg", &data, &len) == 0 && len == 21);
	CHECK(data[11] == 0 && data[20] == '!' && data[21] == '\0');
	free(data);
	CHECK(dom_fs_truncate("/etc/xen/a.cfg", 5) == 0);
	CHECK(dom_fs_write_file("/etc/xen/a.cfg", " there", 6, true) == 0);
	CHECK(dom_fs_read_file("/etc/xen/a.cfg", &data, NULL) == 0);
	CHECK(strcmp(data, "hello there") == 0);
	free(data);
	CHECK(dom_fs_write_file("/etc/xen/../xen/./a.cfg", "new", 3, false) == 0);
	CHECK(dom_fs_read_file("/etc/xen/a.cfg", &data, NULL) == 0 && !strcmp(data, "new"));
	free(data);
	CHECK(dom_fs_open("/etc/xen", DOM_FS_READ) == -EISDIR);
	CHECK(dom_fs_open("/etc/xen/a.cfg/x", DOM_FS_READ) == -ENOTDIR);
	CHECK(dom_fs_stat("/etc/xen", &st) == 0 && st.is_dir && st.size == 2);
	CHECK(dom_fs_unlink("/etc/xen") == -ENOTEMPTY);
	CHECK(dom_fs_unlink("/") == -EBUSY);
	/* An unlinked open file stays readable until closed. */
	fd = dom_fs_open("/etc/xen/a.cfg", DOM_FS_READ);
	fd2 = dom_fs_open("/etc/xen/a.cfg", DOM_FS_READ | DOM_FS_WRITE);
	CHECK(dom_fs_write(fd, "x", 1) == -EBADF);
	CHECK(dom_fs_unlink("/etc/xen/a.cfg") == 0);
	CHECK(dom_fs_stat("/etc/xen/a.cfg", &st) == -ENOENT);
	CHECK(dom_fs_read(fd, buf, sizeof(buf)) == 3);
	CHECK(dom_fs_close(fd) == 0);
	CHECK(dom_fs_write(fd2, "zz", 2) == 2);
	CHECK(dom_fs_close(fd2) == 0);
	CHECK(dom_fs_unlink("/etc/xen/auto") == 0);
	CHECK(dom_fs_unlink("/etc/xen") == 0);
	/* Limits. */
	for (int i = 0; i < DOM_FS_MAX_OPEN; i++)
		CHECK(dom_fs_open("/f", DOM_FS_WRITE | DOM_FS_CREATE) == i);
	CHECK(dom_fs_open("/f", DOM_FS_READ) == -EMFILE);
	dom_fs_reset();
	memset(buf, 'n', sizeof(buf));
	buf[0] = '/';
	buf[sizeof(buf) - 1] = '\0';
	CHECK(dom_fs_mkdir(buf) == 0);
	{
		char big[DOM_FS_NAME_MAX + 3];

		memset(big, 'b', sizeof(big));
		big[0] = '/';
		big[sizeof(big) - 1] = '\0';
		CHECK(dom_fs_mkdir(big) == -ENAMETOOLONG);
	}
	dom_fs_reset();
}

int main(void)
{
	build_archive();
	test_tar();
	test_load();
	test_files();
	CHECK_DONE("dom_fs");
	return 0;
}
