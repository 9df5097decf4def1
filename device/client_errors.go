package device

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// Outcome classifies how a call ended.
type Outcome string

const (
	OutcomeSuccess     Outcome = "success"      // status 0
	OutcomeDeviceError Outcome = "device_error" // the gateway answered with a status other than 0
	OutcomeHTTPError   Outcome = "http_error"   // the gateway answered with an HTTP status other than 200
	OutcomeNotJSON     Outcome = "not_json"     // the answer is not JSON, or cannot be decrypted
	OutcomeBadAnswer   Outcome = "bad_answer"   // the answer is JSON but not the Cams shape
	OutcomeDNS         Outcome = "dns"          // the endpoint's host name does not resolve
	OutcomeRefused     Outcome = "refused"      // nothing listens at the endpoint's host and port
	OutcomeTLS         Outcome = "tls"          // the HTTPS handshake or certificate failed
	OutcomeTimeout     Outcome = "timeout"      // no connection or no answer in time
	OutcomeCancelled   Outcome = "cancelled"    // the caller gave up
	OutcomeNetwork     Outcome = "network"      // any other connection failure
	OutcomeInvalid     Outcome = "invalid"      // nothing was sent: bad parameters, body or device settings
)

// CallError is why a call did not succeed, in one plain line, with what to do about it.
type CallError struct {
	Kind  Outcome
	Op    string // operation name
	Cause string // one line, never a secret
	Hint  string
	// Status is the gateway's status for OutcomeDeviceError.
	Status *Status
	Err    error
}

func (e *CallError) Error() string {
	if e.Op == "" {
		return e.Cause
	}
	return e.Op + ": " + e.Cause
}

func (e *CallError) Unwrap() error { return e.Err }

// Hints shared by several outcomes.
const (
	hintConnection = "Check this PC's internet connection, then the endpoint URL in the device settings."
	hintSlow       = "The gateway or this PC's internet connection is slow or down. Try again; if it keeps happening, check the connection."
	hintEndpoint   = "Check the endpoint URL in the device settings: it is the RESTful endpoint from API Monitor, ending in /external/api3.0/biometric."
)

func deviceError(op string, st Status, message string) *CallError {
	cause := st.Describe()
	if st.Unsupported {
		cause = fmt.Sprintf("status %d: not supported for this device (%s)", st.Code, st.Meaning)
	}
	if m := oneLine(message, 120); m != "" && !strings.EqualFold(m, st.Meaning) {
		cause += ": gateway says " + m
	}
	s := st
	return &CallError{Kind: OutcomeDeviceError, Op: op, Cause: cause, Hint: st.Hint, Status: &s}
}

// transportError classifies a failure to send or to read the answer. parent is the caller's context, attempt
// the one bounded by the total timeout.
func transportError(op string, parent, attempt context.Context, err error, t Timeouts, host string) *CallError {
	e := &CallError{Op: op, Err: err}
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		e.Kind, e.Cause = OutcomeCancelled, "the call was cancelled"
	case parent.Err() != nil:
		e.Kind, e.Cause, e.Hint = OutcomeTimeout, "the call ran out of time", hintSlow
	case errors.Is(attempt.Err(), context.DeadlineExceeded):
		e.Kind, e.Cause, e.Hint = OutcomeTimeout, fmt.Sprintf("the gateway did not answer within %s", t.Total), hintSlow
	case errors.As(err, &dnsErr):
		e.Kind, e.Cause = OutcomeDNS, fmt.Sprintf("cannot find the gateway's host %q", host)
		e.Hint = "Check the endpoint URL for typos, then this PC's internet connection."
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Kind, e.Cause = OutcomeRefused, fmt.Sprintf("the gateway's host %s refused the connection", host)
		e.Hint = "Check the host and port of the endpoint URL; the gateway may be down."
	case isTLSError(err):
		e.Kind, e.Cause = OutcomeTLS, fmt.Sprintf("the secure connection to %s failed (%s)", host, tlsReason(err))
		e.Hint = "Check that the endpoint URL starts with the right scheme and that this PC's date and time are right; a proxy or antivirus may be intercepting HTTPS."
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind, e.Cause, e.Hint = OutcomeTimeout, fmt.Sprintf("could not connect to %s within %s", host, t.Connect), hintSlow
	default:
		e.Kind, e.Cause, e.Hint = OutcomeNetwork, "the connection to the gateway failed", hintConnection
	}
	return e
}

func isTLSError(err error) bool {
	var (
		verify    *tls.CertificateVerificationError
		authority x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		record    tls.RecordHeaderError
		alert     tls.AlertError
	)
	return errors.As(err, &verify) || errors.As(err, &authority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &record) || errors.As(err, &alert) || httpToHTTPS(err)
}

// httpToHTTPS matches net/http's error for an https:// URL answered in plain HTTP; it carries no type.
func httpToHTTPS(err error) bool {
	return strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
}

func tlsReason(err error) string {
	var (
		authority x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		record    tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &authority):
		return "the certificate is not signed by a trusted authority"
	case errors.As(err, &hostname):
		return "the certificate is for another host name"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "the certificate has expired or the PC's clock is wrong"
	case errors.As(err, &invalid):
		return "the certificate is not valid"
	case errors.As(err, &record) || httpToHTTPS(err):
		return "the server does not speak HTTPS"
	}
	return "handshake failed"
}

// oneLine shortens s to max runes on one line, control characters as spaces.
func oneLine(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return s
}

// Timeouts bound one call: Connect the TCP and TLS setup, Total the whole exchange.
type Timeouts struct {
	Connect time.Duration
	Total   time.Duration
}

// DefaultTimeouts are those of real integrations (30–60 s).
var DefaultTimeouts = Timeouts{Connect: 10 * time.Second, Total: 60 * time.Second}

func (t Timeouts) orDefault() Timeouts {
	if t.Connect <= 0 {
		t.Connect = DefaultTimeouts.Connect
	}
	if t.Total <= 0 {
		t.Total = DefaultTimeouts.Total
	}
	return t
}
