package device

import (
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// AddUserWithTemplates is the operation AddUserFromTemplates returns when the stored templates fit none of the
// catalogue's variants (two fingers, say, or fingerprint and palm): the same Add command, carrying them all.
var AddUserWithTemplates = Operation{
	Name: "AddUserWithTemplates", Title: "Add user with stored templates", Group: GroupAddUser, Queued: true,
	Description: "Registers a person on the device with every template stored for them on another device.",
}

// AddUserFromTemplates builds the Add command that enrols u on a device with the templates stored for them
// elsewhere ("enrol once, punch anywhere"). Every template rides verbatim (Data, Size and Index as stored; a
// missing Size is the decoded length, a missing Index "0"), in TemplateTypes order, then by Index. The
// operation is the catalogue variant whose template types match, AddUserWithoutTemplate when there are none,
// or AddUserWithTemplates.
func AddUserFromTemplates(u NewUser, templates []TemplateData) (Operation, Request, error) {
	var errs []error
	u.UserID, u.FirstName, u.LastName = strings.TrimSpace(u.UserID), strings.TrimSpace(u.FirstName), strings.TrimSpace(u.LastName)
	r := &paramReader{p: Params{parUserID: u.UserID, parUserType: u.UserType}}
	r.userID()
	u.UserType = r.userType()
	errs = append(errs, r.errs...)

	out := make([]TemplateData, 0, len(templates))
	seen := map[string]int{}
	for i, t := range templates {
		field := fmt.Sprintf("Template[%d]", i)
		t.Type = CanonicalTemplateType(t.Type)
		if _, known := templateWords[t.Type]; !known {
			errs = append(errs, &FieldError{Field: field + ".Type", Msg: fmt.Sprintf("unknown template type %q", t.Type)})
			continue
		}
		if strings.TrimSpace(t.Data) == "" {
			errs = append(errs, &FieldError{Field: field + ".Data", Msg: "empty; the stored " + t.Type + " template has no data"})
			continue
		}
		t.UserID = u.UserID
		switch t.Type {
		case Card, Password:
			t.Size, t.Index = "", ""
		default:
			if strings.TrimSpace(t.Size) == "" {
				if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(t.Data)); err == nil {
					t.Size = strconv.Itoa(len(raw))
				}
			}
			if !Indexed(t.Type) {
				t.Index = ""
			} else if strings.TrimSpace(t.Index) == "" {
				t.Index = "0"
			}
		}
		key := t.Type + "/" + t.Index
		if j, dup := seen[key]; dup {
			errs = append(errs, &FieldError{Field: field, Msg: fmt.Sprintf("same type and index as Template[%d] (%s %s)", j, t.Type, t.Index)})
			continue
		}
		seen[key] = i
		out = append(out, t)
	}
	if err := errors.Join(errs...); err != nil {
		return Operation{}, Request{}, err
	}

	rank := map[string]int{}
	for i, typ := range TemplateTypes {
		rank[typ] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return rank[out[i].Type] < rank[out[j].Type]
		}
		return indexLess(out[i].Index, out[j].Index)
	})

	req := Request{Add: &AddRequest{User: u, Template: out}}
	if len(out) == 0 {
		req.Add.Template = nil
		op, _ := Lookup("AddUserWithoutTemplate")
		return op, req, nil
	}
	if v, ok := variantFor(templateTypeSet(out)); ok && len(out) == len(v.types) {
		op, _ := Lookup(v.name)
		return op, req, nil
	}
	return AddUserWithTemplates, req, nil
}

func indexLess(a, b string) bool {
	na, errA := strconv.Atoi(a)
	nb, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return na < nb
	}
	return a < b
}
