package device

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Identify names the catalogue operation a request body has the shape of, e.g. to show a raw JSON body in its
// form. An Add whose template types match no variant (say Fingerprint and Palm) is not identified.
func Identify(req Request) (Operation, bool) {
	name := identify(req)
	if name == "" {
		return Operation{}, false
	}
	return Lookup(name)
}

func identify(req Request) string {
	switch {
	case req.Load != nil && req.Load.PunchLog != nil:
		return "LoadLog"
	case req.Load != nil && req.Load.DeviceInformation != "":
		return "LoadDeviceInformation"
	case req.Add != nil:
		if len(req.Add.Template) == 0 {
			return "AddUserWithoutTemplate"
		}
		if v, ok := variantFor(templateTypeSet(req.Add.Template)); ok {
			return v.name
		}
	case req.Delete != nil:
		switch {
		case req.Delete.Log != "":
			return "DeleteLogAll"
		case req.Delete.PunchPhoto != "":
			return "DeleteAttendancePhoto"
		case isAll(req.Delete.User):
			return "DeleteAllUser"
		case req.Delete.User != nil:
			return "DeleteUser"
		}
	case req.Resend != nil && req.Resend.PunchLog != nil:
		return "ResendAttendance"
	case req.Resend != nil && req.Resend.User != "":
		return "ResendAllUser"
	case req.Enroll != nil:
		return "EnrollFingerPrint"
	case req.Update != nil && req.Update.AccessTime != nil:
		return "UpdateAccessTime"
	case req.Update != nil && req.Update.User != nil:
		switch strings.ToLower(strings.TrimSpace(req.Update.User.Access)) {
		case AccessEnable:
			return "EnableUser"
		case AccessDisable:
			return "DisableUser"
		}
	}
	return ""
}

func isAll(v any) bool {
	s, ok := v.(string)
	return ok && strings.EqualFold(s, All)
}

// templateTypeSet lists the canonical types present, in TemplateTypes order; unknown types are listed after.
func templateTypeSet(ts []TemplateData) []string {
	seen := map[string]bool{}
	for _, t := range ts {
		seen[CanonicalTemplateType(t.Type)] = true
	}
	var out []string
	for _, typ := range TemplateTypes {
		if seen[typ] {
			out = append(out, typ)
			delete(seen, typ)
		}
	}
	for typ := range seen {
		out = append(out, typ)
	}
	return out
}

func variantFor(types []string) (templateSpec, bool) {
	for _, v := range addUserVariants {
		if strings.Join(v.types, ",") == strings.Join(types, ",") {
			return v, true
		}
	}
	return templateSpec{}, false
}

// DecodeRequest reads a request body typed in the raw JSON editor or given to camsd send --json.
func DecodeRequest(body []byte) (Request, error) {
	var req Request
	if err := json.Unmarshal(body, &req); err != nil {
		return Request{}, fmt.Errorf("device: the request is not a JSON object of the Cams shape: %w", err)
	}
	return req, nil
}
