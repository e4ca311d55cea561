/* Key files: permissions, atomic creation, no overwrite, corrupt files. */
#include "hcode-private.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void setup(void)
{
    strcpy(dir, "/tmp/hcode-keys-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void path(char *out, const char *name) { snprintf(out, 128, "%s/%s", dir, name); }

static void write_file(const char *p, const char *content, mode_t mode)
{
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    fchmod(fd, mode);
    close(fd);
}

START_TEST(save_load_round_trip)
{
    hcode_keypair *kp, *back;
    char prefix[128], keyp[128], pubp[128];
    path(prefix, "issuer");
    path(keyp, "issuer.key");
    path(pubp, "issuer.pub");
    ck_assert_int_eq(hcode_keypair_generate(&kp, "CN-370100"), 0);
    ck_assert_int_eq(hcode_keypair_save(kp, prefix), 0);
    struct stat st;
    ck_assert_int_eq(stat(keyp, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(stat(pubp, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    ck_assert_int_eq(hcode_keypair_load(&back, keyp), 0);
    ck_assert_str_eq(hcode_keypair_kid_hex(back), hcode_keypair_kid_hex(kp));
    ck_assert_str_eq(hcode_keypair_region(back), "CN-370100");
    uint8_t a[32], b[32];
    hcode_keypair_public_key(kp, a);
    hcode_keypair_public_key(back, b);
    ck_assert_mem_eq(a, b, 32);
    /* the same identifier gets the same pseudonym from the reloaded key */
    char p1[33], p2[33];
    ck_assert_int_eq(hcode_keypair_pseudonym(kp, "110101199003074514", p1, sizeof p1), 0);
    ck_assert_int_eq(hcode_keypair_pseudonym(back, "110101199003074514", p2, sizeof p2), 0);
    ck_assert_str_eq(p1, p2);
    /* the public file is trusted and the kid it names is the key's */
    hcode_ctx *ctx;
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    ck_assert_int_eq(hcode_trust_add_file(ctx, pubp), 0);
    ck_assert_uint_eq(hcode_trust_count(ctx), 1);
    uint8_t pk[32];
    ck_assert_int_eq(hcode_public_key_load(ctx, pubp, pk), 0);
    ck_assert_mem_eq(pk, a, 32);
    hcode_ctx_free(ctx);
    /* no overwrite, and nothing written by the refused call */
    ck_assert_int_eq(hcode_keypair_save(back, prefix), HCODE_EEXIST);
    hcode_keypair *again;
    ck_assert_int_eq(hcode_keypair_load(&again, keyp), 0);
    ck_assert_str_eq(hcode_keypair_kid_hex(again), hcode_keypair_kid_hex(kp));
    hcode_keypair_free(again);
    hcode_keypair_free(kp);
    hcode_keypair_free(back);
}
END_TEST

START_TEST(secret_never_in_public_file)
{
    hcode_keypair *kp;
    char prefix[128], pubp[128];
    path(prefix, "k");
    path(pubp, "k.pub");
    ck_assert_int_eq(hcode_keypair_generate(&kp, "XX"), 0);
    ck_assert_int_eq(hcode_keypair_save(kp, prefix), 0);
    char seedhex[65];
    hcode__hex(seedhex, kp->sk, 32);
    FILE *f = fopen(pubp, "r");
    char buf[1024] = {0};
    ck_assert_uint_gt(fread(buf, 1, sizeof buf - 1, f), 0);
    fclose(f);
    ck_assert_ptr_null(strstr(buf, seedhex));
    hcode_keypair_free(kp);
}
END_TEST

START_TEST(readable_key_refused)
{
    hcode_keypair *kp, *back = (hcode_keypair *)1;
    char prefix[128], keyp[128];
    path(prefix, "k");
    path(keyp, "k.key");
    ck_assert_int_eq(hcode_keypair_generate(&kp, "XX"), 0);
    ck_assert_int_eq(hcode_keypair_save(kp, prefix), 0);
    ck_assert_int_eq(chmod(keyp, 0640), 0);
    ck_assert_int_eq(hcode_keypair_load(&back, keyp), HCODE_EPERM);
    ck_assert_ptr_null(back);
    ck_assert_int_eq(chmod(keyp, 0604), 0);
    ck_assert_int_eq(hcode_keypair_load(&back, keyp), HCODE_EPERM);
    ck_assert_int_eq(chmod(keyp, 0400), 0);
    ck_assert_int_eq(hcode_keypair_load(&back, keyp), 0);
    hcode_keypair_free(back);
    hcode_keypair_free(kp);
}
END_TEST

START_TEST(corrupt_key_files)
{
    char p[128];
    hcode_keypair *kp;
    path(p, "bad.key");
    write_file(p, "", 0600);
    ck_assert_int_eq(hcode_keypair_load(&kp, p), HCODE_EFORMAT);
    write_file(p, "hcode-secret-key-v1\nregion XX\nseed 00\n", 0600);
    ck_assert_int_eq(hcode_keypair_load(&kp, p), HCODE_EFORMAT);
    write_file(p, "hcode-secret-key-v1\nregion XX\nkid 0000000000000000\nseed "
                  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n", 0600);
    ck_assert_int_eq(hcode_keypair_load(&kp, p), HCODE_EFORMAT); /* kid does not match */
    write_file(p, "hcode-secret-key-v1\nregion XX\nseed "
                  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n", 0600);
    ck_assert_int_eq(hcode_keypair_load(&kp, p), 0);
    hcode_keypair_free(kp);
    ck_assert_int_eq(hcode_keypair_load(&kp, "/nonexistent/x.key"), HCODE_EIO);
    ck_assert_int_eq(hcode_keypair_load(&kp, "/tmp"), HCODE_EIO);

    hcode_ctx *ctx;
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    path(p, "bad.pub");
    write_file(p, "{\"public_key\":\"00\",\"region\":\"XX\"}", 0644);
    ck_assert_int_eq(hcode_trust_add_file(ctx, p), HCODE_EFORMAT);
    ck_assert_str_ne(hcode_errmsg(ctx), "");
    write_file(p, "not json", 0644);
    ck_assert_int_eq(hcode_trust_add_file(ctx, p), HCODE_EFORMAT);
    write_file(p, "{\"public_key\":\"0000000000000000000000000000000000000000000000000000000000000000\","
                  "\"region\":\"XX\",\"kid\":\"0102030405060708\"}", 0644);
    ck_assert_int_eq(hcode_trust_add_file(ctx, p), HCODE_EFORMAT); /* kid mismatch */
    write_file(p, "{\"public_key\":\"0000000000000000000000000000000000000000000000000000000000000000\","
                  "\"region\":\"XX\",\"region\":\"YY\"}", 0644);
    ck_assert_int_eq(hcode_trust_add_file(ctx, p), HCODE_EFORMAT); /* duplicate key */
    ck_assert_uint_eq(hcode_trust_count(ctx), 0);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(bad_arguments)
{
    hcode_keypair *kp;
    ck_assert_int_eq(hcode_keypair_generate(&kp, ""), HCODE_EINVAL);
    ck_assert_int_eq(hcode_keypair_generate(&kp, "has space"), HCODE_EINVAL);
    ck_assert_int_eq(hcode_keypair_generate(&kp, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), HCODE_EINVAL);
    ck_assert_int_eq(hcode_keypair_generate(NULL, "XX"), HCODE_EINVAL);
    ck_assert_int_eq(hcode_keypair_generate(&kp, NULL), 0);
    ck_assert_str_eq(hcode_keypair_region(kp), "XX");
    char out[33];
    ck_assert_int_eq(hcode_keypair_pseudonym(kp, "   ", out, sizeof out), HCODE_EINVAL);
    ck_assert_int_eq(hcode_keypair_pseudonym(kp, "x", out, 10), HCODE_EINVAL);
    ck_assert_int_eq(hcode_keypair_save(kp, ""), HCODE_EINVAL);
    hcode_keypair_free(kp);
    hcode_keypair_free(NULL);
    hcode_ctx_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("keys");
    TCase *tc = tcase_create("keys");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, save_load_round_trip);
    tcase_add_test(tc, secret_never_in_public_file);
    tcase_add_test(tc, readable_key_refused);
    tcase_add_test(tc, corrupt_key_files);
    tcase_add_test(tc, bad_arguments);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
