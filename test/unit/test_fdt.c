/* The core's FDT writer, read back with Debian's libfdt. */
#include <libfdt.h>
#include <string.h>
#include "check.h"
#include "fdt_build.h"

int main(void)
{
	static unsigned char buf[4096];
	struct fdt_writer w;
	const fdt32_t *reg;
	const char *s;
	size_t len;
	int node, plen;

	fdt_build_begin(&w, buf, sizeof(buf));
	fdt_build_node_begin(&w, "");
	fdt_build_prop_u32(&w, "#address-cells", 2);
	fdt_build_node_begin(&w, "chosen");
	fdt_build_prop_str(&w, "bootargs", "console=hvc0 rootfs");
	fdt_build_prop_u32(&w, "bulkhead,domid", 7);
	fdt_build_prop(&w, "bulkhead,privileged", NULL, 0);
	fdt_build_node_end(&w);
	fdt_build_node_begin(&w, "memory@0");
	fdt_build_prop_reg64(&w, "reg", 0x123456789ull, 64ull << 20);
	fdt_build_node_end(&w);
	fdt_build_node_end(&w);
	len = fdt_build_finish(&w);
	CHECK(len > 0);
	CHECK(fdt_check_header(buf) == 0);
	CHECK(fdt_totalsize(buf) == len);
	node = fdt_path_offset(buf, "/chosen");
	CHECK(node >= 0);
	s = fdt_getprop(buf, node, "bootargs", &plen);
	CHECK(s && !strcmp(s, "console=hvc0 rootfs"));
	reg = fdt_getprop(buf, node, "bulkhead,domid", &plen);
	CHECK(reg && plen == 4 && fdt32_to_cpu(reg[0]) == 7);
	CHECK(fdt_getprop(buf, node, "bulkhead,privileged", &plen) && plen == 0);
	node = fdt_path_offset(buf, "/memory@0");
	reg = fdt_getprop(buf, node, "reg", &plen);
	CHECK(reg && plen == 16 && fdt32_to_cpu(reg[0]) == 1 && fdt32_to_cpu(reg[1]) == 0x23456789);
	CHECK(fdt32_to_cpu(reg[3]) == 64u << 20);
	/* A buffer too small is reported, not overrun. */
	fdt_build_begin(&w, buf, 64);
	fdt_build_node_begin(&w, "");
	fdt_build_prop_str(&w, "bootargs", "a string longer than the room that is left");
	fdt_build_node_end(&w);
	CHECK(fdt_build_finish(&w) == 0);
	CHECK_DONE("test_fdt");
	return 0;
}
