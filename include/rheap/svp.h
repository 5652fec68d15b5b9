/* SPDX-License-Identifier: MIT */
/* The content packager of the secure video path demo (stands in for a licence server). */
#ifndef RHEAP_SVP_H
#define RHEAP_SVP_H

#include <stddef.h>
#include <stdint.h>

#include <rheap/export.h>
#include <rheap/platform.h>

RH_BEGIN_DECLS

/** Bytes of the AES-128-CTR initial counter block (DECRYPT's p2). */
#define RH_SVP_IV_LEN 16

/**
 * rh_svp_package_sample() - encrypt a sample as the content provider would
 * @plat: the platform whose secure video TA (RH_TA_SVP_UUID) will decrypt it
 * @plain: clear sample bytes
 * @len: bytes of @plain, at least 1
 * @ret_iv: the fresh initial counter block used (8 random bytes, then a
 *          64-bit big-endian block counter starting at 0)
 * @ret_cipher: @len bytes of ciphertext (may be @plain: in place)
 *
 * NOT a normal-world capability. In a real deployment the content is
 * encrypted by the content packager with a key it shares with the licence
 * server; the key reaches the device's TEE wrapped, and no normal-world
 * code can ever encrypt or decrypt with it. The simulation has no licence
 * server, so this function stands for the packager: it encrypts with the
 * key provisioned in the secure video TA (generated from the platform's
 * CSPRNG when the TA is installed at boot) without revealing it. The
 * result is what the normal world receives from the network and hands,
 * still encrypted, to the TA's DECRYPT command, which writes the clear
 * sample straight into a restricted buffer.
 *
 * AES-128-CTR (OpenSSL EVP_aes_128_ctr()).
 * @return 0; -EINVAL for a NULL argument or @len 0; -ENODEV when @plat
 * runs no secure video TA; -EIO when OpenSSL or the CSPRNG fails.
 */
RH_EXPORT int rh_svp_package_sample(struct rh_platform *plat, const void *plain,
				    size_t len, uint8_t ret_iv[RH_SVP_IV_LEN],
				    void *ret_cipher);

RH_END_DECLS

#endif /* RHEAP_SVP_H */
