package awximport

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"strings"
)

// decryptAWX undoes AWX's encrypt_value (awx/main/utils/encryption.py) as
// its OAuth2ClientSecretField uses it: the value is
// "$encrypted$UTF8$AESCBC$" + base64(fernet token), where the Fernet
// variant ("Fernet256") uses AES-256-CBC, and its 64-byte key is
// SHA-512(SECRET_KEY + "value"): the first half signs (HMAC-SHA256), the
// second encrypts. Only the MAC-verified plaintext is returned.
func decryptAWX(secretKey, value string) (string, error) {
	raw, ok := strings.CutPrefix(value, "$encrypted$")
	if !ok {
		return "", errors.New("not an encrypted value")
	}
	raw = strings.TrimPrefix(raw, "UTF8$")
	algo, b64data, ok := strings.Cut(raw, "$")
	if !ok || algo != "AESCBC" {
		return "", errors.New("unsupported encryption")
	}
	fernet, err := base64.StdEncoding.DecodeString(b64data)
	if err != nil {
		return "", errors.New("malformed encrypted value")
	}
	tok, err := base64.URLEncoding.DecodeString(string(fernet))
	if err != nil {
		return "", errors.New("malformed encrypted value")
	}
	key := sha512.Sum512([]byte(secretKey + "value"))
	signing, encryption := key[:32], key[32:]
	// version (1) | timestamp (8) | IV (16) | ciphertext (n*16) | HMAC (32)
	if len(tok) < 1+8+16+16+32 || tok[0] != 0x80 || (len(tok)-1-8-16-32)%aes.BlockSize != 0 {
		return "", errors.New("malformed encrypted value")
	}
	body, mac := tok[:len(tok)-32], tok[len(tok)-32:]
	h := hmac.New(sha256.New, signing)
	h.Write(body)
	if !hmac.Equal(h.Sum(nil), mac) {
		return "", errors.New("wrong SECRET_KEY")
	}
	block, err := aes.NewCipher(encryption)
	if err != nil {
		return "", err
	}
	iv, ct := body[9:25], body[25:]
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, ct)
	n := int(pt[len(pt)-1])
	if n == 0 || n > aes.BlockSize || n > len(pt) {
		return "", errors.New("bad padding")
	}
	for _, b := range pt[len(pt)-n:] {
		if int(b) != n {
			return "", errors.New("bad padding")
		}
	}
	return string(pt[:len(pt)-n]), nil
}
