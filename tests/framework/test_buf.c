/* test_buf.c — the bounds-checked reader: every getter at offset 0, exactly at the end, one
 * byte short and at huge offsets; truncated vs malformed; sub-views and their clamping. */
#include <CUnit/CUnit.h>
#include <trawl/buf.h>

static const uint8_t bytes[8] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

static void test_getters_in_range(void)
{
    uint8_t e = 0;
    struct trawl_buf b = trawl_buf_make(bytes, 8, 8, &e);
    CU_ASSERT_EQUAL(trawl_buf_u8(&b, 0), 0x01);
    CU_ASSERT_EQUAL(trawl_buf_u8(&b, 7), 0x08);
    CU_ASSERT_EQUAL(trawl_buf_u16be(&b, 0), 0x0102);
    CU_ASSERT_EQUAL(trawl_buf_u16le(&b, 0), 0x0201);
    CU_ASSERT_EQUAL(trawl_buf_u16be(&b, 6), 0x0708);
    CU_ASSERT_EQUAL(trawl_buf_u24be(&b, 5), 0x060708);
    CU_ASSERT_EQUAL(trawl_buf_u32be(&b, 4), 0x05060708u);
    CU_ASSERT_EQUAL(trawl_buf_u32le(&b, 0), 0x04030201u);
    CU_ASSERT_EQUAL(trawl_buf_u64be(&b, 0), 0x0102030405060708ull);
    CU_ASSERT_EQUAL(trawl_buf_u64le(&b, 0), 0x0807060504030201ull);
    CU_ASSERT_EQUAL(e, 0);
    CU_ASSERT_TRUE(trawl_buf_ok(&b));
}

static void test_one_short_latches(void)
{
    uint8_t e = 0;
    struct trawl_buf b = trawl_buf_make(bytes, 8, 8, &e);
    CU_ASSERT_EQUAL(trawl_buf_u16be(&b, 7), 0);
    CU_ASSERT_EQUAL(e, TRAWL_BUF_MALFORMED);
    e = 0;
    CU_ASSERT_EQUAL(trawl_buf_u32be(&b, 5), 0);
    CU_ASSERT_EQUAL(trawl_buf_u64be(&b, 1), 0);
    CU_ASSERT_EQUAL(trawl_buf_u8(&b, 8), 0);
    CU_ASSERT_EQUAL(e, TRAWL_BUF_MALFORMED);
    /* Reads that fit still work after the latch; the flag stays. */
    CU_ASSERT_EQUAL(trawl_buf_u8(&b, 0), 1);
    CU_ASSERT_FALSE(trawl_buf_ok(&b));
}

static void test_huge_offsets(void)
{
    uint8_t e = 0;
    struct trawl_buf b = trawl_buf_make(bytes, 8, 8, &e);
    CU_ASSERT_EQUAL(trawl_buf_u32be(&b, 0xfffffffeu), 0);
    CU_ASSERT_EQUAL(trawl_buf_u64le(&b, 0xffffffffu), 0);
    CU_ASSERT_PTR_NULL(trawl_buf_ptr(&b, 4, 0xfffffffcu));
    CU_ASSERT_EQUAL(e, TRAWL_BUF_MALFORMED);
    CU_ASSERT_EQUAL(trawl_buf_find(&b, 0xffffffffu, 1), -1);
}

static void test_truncated_vs_malformed(void)
{
    uint8_t e = 0;
    /* 8 bytes captured of a 20-byte packet: reading byte 10 is a snaplen cut. */
    struct trawl_buf b = trawl_buf_make(bytes, 8, 20, &e);
    CU_ASSERT_EQUAL(trawl_buf_u16be(&b, 9), 0);
    CU_ASSERT_EQUAL(e, TRAWL_BUF_TRUNCATED);
    /* Reading past the wire length is malformed. */
    CU_ASSERT_EQUAL(trawl_buf_u8(&b, 20), 0);
    CU_ASSERT_EQUAL(e, TRAWL_BUF_TRUNCATED | TRAWL_BUF_MALFORMED);
}

static void test_sub_views(void)
{
    uint8_t e = 0;
    struct trawl_buf b = trawl_buf_make(bytes, 8, 20, &e);
    struct trawl_buf s = trawl_buf_sub(&b, 2, 4);
    CU_ASSERT_EQUAL(s.caplen, 4);
    CU_ASSERT_EQUAL(s.len, 4);
    CU_ASSERT_EQUAL(s.base, 2);
    CU_ASSERT_EQUAL(trawl_buf_u8(&s, 0), 3);
    CU_ASSERT_EQUAL(trawl_buf_u8(&s, 4), 0);       /* past the view: malformed, shared latch */
    CU_ASSERT_EQUAL(e, TRAWL_BUF_MALFORMED);
    e = 0;
    /* A view over the snaplen cut: present part 2 bytes, claimed 10. */
    struct trawl_buf t = trawl_buf_sub(&b, 6, 10);
    CU_ASSERT_EQUAL(t.caplen, 2);
    CU_ASSERT_EQUAL(t.len, 10);
    CU_ASSERT_EQUAL(e, 0);
    CU_ASSERT_EQUAL(trawl_buf_u8(&t, 5), 0);
    CU_ASSERT_EQUAL(e, TRAWL_BUF_TRUNCATED);
    e = 0;
    /* A length field pointing past the packet latches at once and clamps. */
    struct trawl_buf u = trawl_buf_sub(&b, 10, 100);
    CU_ASSERT_EQUAL(u.len, 10);
    CU_ASSERT_EQUAL(u.caplen, 0);
    CU_ASSERT_EQUAL(e, TRAWL_BUF_MALFORMED);
    e = 0;
    /* An offset past the end gives an empty view. */
    struct trawl_buf w = trawl_buf_sub(&b, 50, 1);
    CU_ASSERT_EQUAL(w.len, 0);
    CU_ASSERT_EQUAL(w.caplen, 0);
    CU_ASSERT_EQUAL(e, TRAWL_BUF_MALFORMED);
    struct trawl_buf tail = trawl_buf_tail(&b, 3);
    CU_ASSERT_EQUAL(tail.len, 17);
    CU_ASSERT_EQUAL(tail.caplen, 5);
}

static void test_copy_find_has(void)
{
    uint8_t e = 0, out[4] = { 9, 9, 9, 9 };
    struct trawl_buf b = trawl_buf_make(bytes, 8, 8, &e);
    CU_ASSERT_TRUE(trawl_buf_copy(&b, 4, out, 4));
    CU_ASSERT_EQUAL(out[0], 5);
    CU_ASSERT_FALSE(trawl_buf_copy(&b, 6, out, 4));
    CU_ASSERT_EQUAL(out[0], 0);                    /* zero-filled on a short read */
    CU_ASSERT_EQUAL(trawl_buf_find(&b, 0, 0x04), 3);
    CU_ASSERT_EQUAL(trawl_buf_find(&b, 4, 0x04), -1);
    e = 0;
    CU_ASSERT_FALSE(trawl_buf_has(&b, 7, 2));
    CU_ASSERT_EQUAL(e, 0);                         /* has() never latches */
    CU_ASSERT_EQUAL(trawl_buf_avail(&b, 6), 2);
    CU_ASSERT_EQUAL(trawl_buf_avail(&b, 9), 0);
}

static void test_empty(void)
{
    uint8_t e = 0;
    struct trawl_buf b = trawl_buf_make(NULL, 0, 0, &e);
    CU_ASSERT_EQUAL(trawl_buf_u8(&b, 0), 0);
    CU_ASSERT_EQUAL(e, TRAWL_BUF_MALFORMED);
    CU_ASSERT_EQUAL(trawl_buf_find(&b, 0, 0), -1);
}

void test_buf_register(void);
void test_buf_register(void)
{
    CU_pSuite s = CU_add_suite("buf", NULL, NULL);
    CU_add_test(s, "getters in range", test_getters_in_range);
    CU_add_test(s, "one byte short latches malformed", test_one_short_latches);
    CU_add_test(s, "huge offsets never overflow", test_huge_offsets);
    CU_add_test(s, "truncated vs malformed", test_truncated_vs_malformed);
    CU_add_test(s, "sub-views clamp and share the latch", test_sub_views);
    CU_add_test(s, "copy, find, has, avail", test_copy_find_has);
    CU_add_test(s, "empty buffer", test_empty);
}
