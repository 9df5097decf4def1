package data

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// EnsureDevice returns the device with stgid, creating it if needed; a non-empty name replaces the stored one.
func (s *Store) EnsureDevice(ctx context.Context, stgid, name string) (Device, error) {
	if stgid == "" {
		return Device{}, errors.New("data: ensure device: empty stgid")
	}
	var d Device
	err := s.write(ctx, func(tx *gorm.DB) error {
		conflict := clause.OnConflict{Columns: []clause.Column{{Name: "stgid"}}, DoNothing: true}
		if name != "" {
			conflict = clause.OnConflict{
				Columns:   []clause.Column{{Name: "stgid"}},
				DoUpdates: clause.AssignmentColumns([]string{"name", "updated_at"}),
			}
		}
		if err := tx.Clauses(conflict).Create(&Device{STGID: stgid, Name: name}).Error; err != nil {
			return err
		}
		return tx.Where("stgid = ?", stgid).Take(&d).Error
	})
	if err != nil {
		return Device{}, fmt.Errorf("data: ensure device %q: %w", stgid, err)
	}
	return d, nil
}

// Devices returns every device, by name then id.
func (s *Store) Devices(ctx context.Context) ([]Device, error) {
	var ds []Device
	if err := s.reader.WithContext(ctx).Order("name, id").Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("data: devices: %w", err)
	}
	return ds, nil
}

// DeviceByID returns one device or an error wrapping ErrNotFound.
func (s *Store) DeviceByID(ctx context.Context, id uint) (Device, error) {
	return s.device(ctx, "id = ?", id)
}

// DeviceBySTGID returns one device or an error wrapping ErrNotFound.
func (s *Store) DeviceBySTGID(ctx context.Context, stgid string) (Device, error) {
	return s.device(ctx, "stgid = ?", stgid)
}

// DeviceBySerial returns the device last seen with this serial number, or an error wrapping ErrNotFound.
func (s *Store) DeviceBySerial(ctx context.Context, serial string) (Device, error) {
	if serial == "" {
		return Device{}, fmt.Errorf("data: device by serial: empty serial: %w", ErrNotFound)
	}
	return s.device(ctx, "serial_number = ?", serial)
}

func (s *Store) device(ctx context.Context, where string, arg any) (Device, error) {
	var d Device
	err := s.reader.WithContext(ctx).Where(where, arg).Order("last_seen IS NULL, last_seen DESC, id DESC").Limit(1).Find(&d).Error
	if err != nil {
		return Device{}, fmt.Errorf("data: device %v: %w", arg, err)
	}
	if d.ID == 0 {
		return Device{}, fmt.Errorf("data: device %v: %w", arg, ErrNotFound)
	}
	return d, nil
}

// SetDeviceInfo stores the JSON of a LoadDeviceInformation answer received at at.
func (s *Store) SetDeviceInfo(ctx context.Context, id uint, infoJSON string, at time.Time) error {
	at = nowOr(at)
	res := s.writer.WithContext(ctx).Model(&Device{}).Where("id = ?", id).
		Updates(map[string]any{"info": infoJSON, "info_at": at})
	if res.Error != nil {
		return fmt.Errorf("data: set device info %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("data: set device info %d: %w", id, ErrNotFound)
	}
	return nil
}

// RemoveDevice deletes the device row only. Its users, punches, photos and journal stay under
// the old device id (history is never lost); ensuring the same stgid again creates a new id.
func (s *Store) RemoveDevice(ctx context.Context, stgid string) error {
	res := s.writer.WithContext(ctx).Where("stgid = ?", stgid).Delete(&Device{})
	if res.Error != nil {
		return fmt.Errorf("data: remove device %q: %w", stgid, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("data: remove device %q: %w", stgid, ErrNotFound)
	}
	return nil
}
