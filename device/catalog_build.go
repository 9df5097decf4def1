package device

import (
	"sort"
	"strconv"
	"strings"
)

// define completes op with a Build that matches parameter names in any case, rejects names the operation does
// not take, and runs build; and with an Extract that keeps only the operation's parameters.
func define(op Operation, build func(*paramReader) Request, extract func(Request) Params) Operation {
	params := op.Params
	op.Build = func(in Params) (Request, error) {
		r := &paramReader{p: canonicalParams(in, params, true)}
		r.errs = append(r.errs, unknownParams(in, params)...)
		req := build(r)
		if err := r.err(); err != nil {
			return Request{}, err
		}
		return req, nil
	}
	op.Extract = func(req Request) Params {
		return canonicalParams(extract(req), params, false)
	}
	return op
}

// canonicalParams keeps the values of known parameters under their catalogue names; withEmpty keeps empty ones.
func canonicalParams(in Params, params []Param, withEmpty bool) Params {
	out := Params{}
	for key, v := range in {
		for _, p := range params {
			if strings.EqualFold(strings.TrimSpace(key), p.Name) && (withEmpty || v != "") {
				out[p.Name] = v
			}
		}
	}
	return out
}

// unknownParams reports every non-empty value whose name the operation does not take.
func unknownParams(in Params, params []Param) []error {
	var keys []string
	for key, v := range in {
		if strings.TrimSpace(v) == "" {
			continue
		}
		known := false
		for _, p := range params {
			known = known || strings.EqualFold(strings.TrimSpace(key), p.Name)
		}
		if !known {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	var errs []error
	for _, key := range keys {
		msg := "this operation takes no parameters"
		if len(params) > 0 {
			names := make([]string, len(params))
			for i, p := range params {
				names[i] = p.Name
			}
			msg = "unknown parameter; this operation takes " + strings.Join(names, ", ")
		}
		errs = append(errs, &FieldError{Field: key, Msg: msg})
	}
	return errs
}

// templateSpec is what differs between the AddUser variants: the template types they carry.
type templateSpec struct {
	number int
	name   string
	types  []string // in TemplateTypes order
}

// addUserVariants are operations 14–27 in spec order.
var addUserVariants = []templateSpec{
	{14, "AddUserWithCard", []string{Card}},
	{15, "AddUserWithPassword", []string{Password}},
	{16, "AddUserWithFace", []string{Face}},
	{17, "AddUserWithFingerprint", []string{Fingerprint}},
	{18, "AddUserWithPalm", []string{Palm}},
	{19, "AddUserWithUserPhoto", []string{UserPhoto}},
	{20, "AddUserWithCardAndPassword", []string{Card, Password}},
	{21, "AddUserWithCardAndFingerprint", []string{Card, Fingerprint}},
	{22, "AddUserWithPalmAndFace", []string{Face, Palm}},
	{23, "AddUserWithCardFingerprintAndFace", []string{Card, Fingerprint, Face}},
	{24, "AddUserWithCardPalmAndPhoto", []string{Card, Palm, UserPhoto}},
	{25, "AddUserWithCardPasswordFingerprintAndFace", []string{Card, Password, Fingerprint, Face}},
	{26, "AddUserWithCardPasswordPalmAndPhoto", []string{Card, Password, Palm, UserPhoto}},
	{27, "AddUserWithAllTemplates", []string{Card, Password, Fingerprint, Face, Palm, UserPhoto}},
}

var templateWords = map[string]struct{ title, phrase string }{
	Card:        {"card", "a card number"},
	Password:    {"password", "a PIN"},
	Fingerprint: {"fingerprint", "a fingerprint"},
	Face:        {"face", "a face"},
	Palm:        {"palm", "a palm"},
	UserPhoto:   {"photo", "a photo"},
}

func addUserOp(v templateSpec) Operation {
	titles := make([]string, len(v.types))
	phrases := make([]string, len(v.types))
	params := userParams()
	for i, t := range v.types {
		titles[i], phrases[i] = templateWords[t].title, templateWords[t].phrase
		params = append(params, templateParams(t)...)
	}
	title := "Add user with " + andList(titles)
	if len(v.types) == len(TemplateTypes) {
		title = "Add user with all templates"
	}
	op := Operation{
		Number: v.number, Name: v.name, Title: title, Group: GroupAddUser, Queued: true, Params: params,
		Description: "Registers a person on the device with " + andList(phrases) + ".",
	}
	return define(op, func(r *paramReader) Request {
		add := AddRequest{User: readUser(r)}
		for _, t := range v.types {
			add.Template = append(add.Template, readTemplate(r, t, add.User.UserID))
		}
		return Request{Add: &add}
	}, extractAdd)
}

func readUser(r *paramReader) NewUser {
	return NewUser{
		UserID:    r.userID(),
		FirstName: r.text(parFirstName, true),
		LastName:  r.text(parLastName, false),
		UserType:  r.userType(),
	}
}

// readTemplate builds one template object: Size is the decoded length of biometric data, Index is set for
// indexed types only.
func readTemplate(r *paramReader, typ, userID string) TemplateData {
	t := TemplateData{Type: typ, UserID: userID}
	switch typ {
	case Card:
		t.Data = r.digits(parCard, maxCardLen)
	case Password:
		t.Data = r.digits(parPIN, maxPINLen)
	case Fingerprint:
		t.Data, t.Size = r.blob(parFingerprint, false)
		t.Index = r.index(parFingerprintIndex, 9)
	case Face:
		t.Data, t.Size = r.blob(parFace, true)
		t.Index = r.index(parFaceIndex, 99)
	case Palm:
		t.Data, t.Size = r.blob(parPalm, false)
		t.Index = r.index(parPalmIndex, 99)
	case UserPhoto:
		t.Data, t.Size = r.blob(parUserPhoto, true)
	}
	return t
}

// templateParamNames maps a template type to its data and index parameters.
var templateParamNames = map[string][2]string{
	Card:        {parCard, ""},
	Password:    {parPIN, ""},
	Fingerprint: {parFingerprint, parFingerprintIndex},
	Face:        {parFace, parFaceIndex},
	Palm:        {parPalm, parPalmIndex},
	UserPhoto:   {parUserPhoto, ""},
}

func extractAdd(req Request) Params {
	p := Params{}
	if req.Add == nil {
		return p
	}
	u := req.Add.User
	p[parUserID], p[parFirstName], p[parLastName], p[parUserType] = u.UserID, u.FirstName, u.LastName, u.UserType
	for _, t := range req.Add.Template {
		names, ok := templateParamNames[CanonicalTemplateType(t.Type)]
		if !ok || p[names[0]] != "" {
			continue // unknown type, or a second template of a type the form holds once
		}
		p[names[0]] = t.Data
		if names[1] != "" {
			p[names[1]] = t.Index
		}
	}
	return p
}

func andList(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

func extractFilter(q *PunchLogQuery) Params {
	if q == nil {
		return Params{}
	}
	return Params{parStartTime: q.Filter.StartTime, parEndTime: q.Filter.EndTime, parOffSet: q.Filter.OffSet}
}

func readFilter(r *paramReader, withOffset bool) *PunchLogQuery {
	start, end := r.span(parStartTime, parEndTime, r.filterTime)
	f := Filter{StartTime: start, EndTime: end}
	if withOffset {
		f.OffSet = r.offset(parOffSet)
	}
	return &PunchLogQuery{Filter: f}
}

// deleteUserID reads Delete.User as a decoded request holds it: a UserRef, or a JSON object.
func deleteUserID(req Request) string {
	if req.Delete == nil {
		return ""
	}
	switch u := req.Delete.User.(type) {
	case UserRef:
		return u.UserID
	case *UserRef:
		if u != nil {
			return u.UserID
		}
	case map[string]any:
		for k, v := range u {
			if strings.EqualFold(k, "UserID") {
				switch id := v.(type) {
				case string:
					return id
				case float64: // "UserID":3
					return strconv.FormatFloat(id, 'f', -1, 64)
				}
			}
		}
	}
	return ""
}

func userAccessID(req Request) string {
	if req.Update == nil || req.Update.User == nil {
		return ""
	}
	return req.Update.User.UserID
}
