package device

import "crypto/rand"

// OperationIDLength is the length of the OperationIDs we generate, as in the vendor's samples.
const OperationIDLength = 13

const opIDAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// NewOperationID returns a fresh 13-character id of lowercase letters and digits from crypto/rand.
func NewOperationID() string {
	out := make([]byte, 0, OperationIDLength)
	buf := make([]byte, 32)
	// 252 is the largest multiple of 36 below 256: rejecting bytes at or above it keeps every character equally likely.
	const limit = 256 - 256%len(opIDAlphabet)
	for len(out) < OperationIDLength {
		rand.Read(buf) // documented never to return an error
		for _, b := range buf {
			if int(b) < limit && len(out) < OperationIDLength {
				out = append(out, opIDAlphabet[int(b)%len(opIDAlphabet)])
			}
		}
	}
	return string(out)
}
