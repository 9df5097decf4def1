package device

import (
	"strconv"
	"strings"
)

// Group is how the spec groups the RESTful operations.
type Group string

const (
	GroupLoad         Group = "Load"
	GroupAddUser      Group = "Add User"
	GroupDelete       Group = "Delete"
	GroupResend       Group = "Resend"
	GroupEnrollUpdate Group = "Enroll & Update"
)

// Groups lists the groups in display order.
var Groups = []Group{GroupLoad, GroupAddUser, GroupDelete, GroupResend, GroupEnrollUpdate}

// ParamKind says what a parameter holds, so forms pick the right widget and validation.
type ParamKind string

const (
	ParamText        ParamKind = "text"        // free text (names)
	ParamUserID      ParamKind = "user_id"     // a device user id
	ParamUserType    ParamKind = "user_type"   // one of Choices
	ParamCard        ParamKind = "card"        // card number, digits
	ParamPIN         ParamKind = "pin"         // password / PIN, digits
	ParamDateTime    ParamKind = "datetime"    // device-local wall clock, WallLayout
	ParamFingerprint ParamKind = "fingerprint" // base64 template data, from a stored user
	ParamFace        ParamKind = "face"        // base64 JPEG
	ParamPalm        ParamKind = "palm"        // base64 template data
	ParamPhoto       ParamKind = "photo"       // base64 JPEG
	ParamChoice      ParamKind = "choice"      // one of Choices
)

// Param is one field of an operation's form.
type Param struct {
	Name     string // as in Params and, where it maps one to one, the JSON field
	Label    string
	Kind     ParamKind
	Sample   string
	Required bool
	Help     string
	Choices  []string
}

// Params are an operation's parameter values by Param.Name.
type Params map[string]string

// Operation is one RESTful command of the catalogue, numbered as in the spec (12–38).
type Operation struct {
	Number      int
	Name        string // stable, e.g. "AddUserWithCardAndFingerprint"
	Title       string // for people, e.g. "Add user with card and fingerprint"
	Group       Group
	Description string
	Params      []Param
	// Destructive operations ask for confirmation naming the device.
	Destructive bool
	// Queued commands are accepted by the gateway and carried out by the device later.
	Queued bool
	// Build makes the request body, without OperationID, AuthToken and Time.
	Build func(Params) (Request, error)
	// Extract reads the parameters back from a request body (the raw JSON editor's way back to the form).
	Extract func(Request) Params
}

// Samples returns the operation's sample parameter values.
func (op Operation) Samples() Params {
	p := Params{}
	for _, par := range op.Params {
		p[par.Name] = par.Sample
	}
	return p
}

// Lookup finds an operation by number ("17") or name in any case ("adduserwithcard").
func Lookup(ref string) (Operation, bool) {
	ref = strings.TrimSpace(ref)
	n, numErr := strconv.Atoi(strings.TrimPrefix(ref, "#"))
	for _, op := range Catalog() {
		if (numErr == nil && op.Number == n) || strings.EqualFold(op.Name, ref) {
			return op, true
		}
	}
	return Operation{}, false
}

// Catalog lists the 27 RESTful operations in spec order.
func Catalog() []Operation { return catalog }
