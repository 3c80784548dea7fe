"""Per-user preferences kept in QSettings: recent projects, annotator identity, shortcuts, W/L."""

from __future__ import annotations

import hashlib
import json

from PySide6.QtCore import QSettings

MAX_RECENT = 8
ROLES: tuple[str, ...] = ("annotator", "reviewer", "clinician")


class AppSettings:
    """Typed access to the application's QSettings (one instance per window or dialog)."""

    def __init__(self, settings: QSettings | None = None) -> None:
        if settings is None:
            # defaultFormat() (not the native one) so tests can redirect every setting.
            scope = QSettings.Scope.UserScope
            settings = QSettings(QSettings.defaultFormat(), scope, "Sphericity", "Studio")
        self._qs = settings

    # recent projects -------------------------------------------------------------------------
    def recent_projects(self) -> list[str]:
        return [p for p in self._load_json("projects/recent", []) if isinstance(p, str)]

    def add_recent_project(self, path_or_url: str) -> None:
        recent = [p for p in self.recent_projects() if p != path_or_url]
        self._save_json("projects/recent", [path_or_url, *recent][:MAX_RECENT])

    def remove_recent_project(self, path_or_url: str) -> None:
        self._save_json("projects/recent", [p for p in self.recent_projects() if p != path_or_url])

    def last_project(self) -> str | None:
        recent = self.recent_projects()
        return recent[0] if recent else None

    # annotator identity ----------------------------------------------------------------------
    def annotator(self) -> tuple[str, str] | None:
        """(name, role) chosen once on this machine, or None before the first choice."""
        name = str(self._qs.value("annotator/name", "") or "").strip()
        role = str(self._qs.value("annotator/role", "annotator") or "annotator")
        if not name:
            return None
        return name, role if role in ROLES else "annotator"

    def set_annotator(self, name: str, role: str) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        self._qs.setValue("annotator/name", name.strip())
        self._qs.setValue("annotator/role", role)

    # shortcuts -------------------------------------------------------------------------------
    def shortcut_overrides(self) -> dict[str, str]:
        """Action id -> key sequence text, only for shortcuts the user remapped."""
        data = self._load_json("shortcuts/overrides", {})
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def set_shortcut_overrides(self, overrides: dict[str, str]) -> None:
        self._save_json("shortcuts/overrides", dict(overrides))

    # window / level per series ---------------------------------------------------------------
    def window_level(self, series_key: str) -> tuple[float, float] | None:
        value = self._load_json(f"window_level/{_key(series_key)}", None)
        if isinstance(value, list) and len(value) == 2:
            return float(value[0]), float(value[1])
        return None

    def set_window_level(self, series_key: str, center: float, width: float) -> None:
        self._save_json(f"window_level/{_key(series_key)}", [float(center), float(width)])

    # model review ----------------------------------------------------------------------------
    def model_si_threshold(self) -> float:
        """|model SI − reference SI| above which the difference is highlighted."""
        return _clamped(self._load_json("model/si_threshold", 0.05), 0.0, 1.0, 0.05)

    def set_model_si_threshold(self, value: float) -> None:
        self._save_json("model/si_threshold", float(value))

    def cam_opacity(self) -> float:
        return _clamped(self._load_json("model/cam_opacity", 0.6), 0.0, 1.0, 0.6)

    def set_cam_opacity(self, value: float) -> None:
        self._save_json("model/cam_opacity", float(value))

    def cam_layer(self) -> str:
        layer = self._load_json("model/cam_layer", "layer4")
        return layer if layer in ("layer3", "layer4") else "layer4"

    def set_cam_layer(self, layer: str) -> None:
        self._save_json("model/cam_layer", layer)

    # generic ---------------------------------------------------------------------------------
    def sync(self) -> None:
        self._qs.sync()

    def _load_json(self, key: str, default):
        raw = self._qs.value(key, None)
        if raw is None:
            return default
        try:
            return json.loads(str(raw))
        except ValueError:
            return default

    def _save_json(self, key: str, value) -> None:
        self._qs.setValue(key, json.dumps(value))


def _clamped(value, low: float, high: float, default: float) -> float:
    return min(max(float(value), low), high) if isinstance(value, int | float) else default


def _key(series_key: str) -> str:
    # QSettings treats '/' as a group separator; a digest keeps distinct keys distinct.
    return hashlib.sha1(series_key.encode()).hexdigest()[:20]
