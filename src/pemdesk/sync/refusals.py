"""Why the server refused a change, in words a monitor can act on (Mongolian first, English).

The server's op ack carries ``reason`` as ``code`` or ``code:field`` (pemdesk.sync.schema); the
laptop keeps the refused values (``sync_refusal``) and shows one of these sentences with them.
"""

from __future__ import annotations

from dataclasses import dataclass

# code -> (Mongolian, English); "{field}" is the column named after the colon.
_TEXT: dict[str, tuple[str, str]] = {
    "not_owner": ("Энэ бичлэг өөр мониторынх тул таны засварыг хүлээж аваагүй.",
                  "This record belongs to another monitor, so your edit was not accepted."),
    "not_author": ("Үзлэгийн зохиогчоор өөр мониторын хүнийг заасан тул хүлээж аваагүй "
                   "(тохиргоонд өөрийн нэрээ шалгана уу).",
                   "The visit names another monitor's person as its author, so it was not "
                   "accepted (check your own name in the settings)."),
    "visit_finished": ("Үзлэг дуусч лацлагдсан тул өөрчлөх боломжгүй. Засвар хийх бол шинэ "
                       "хувилбар (засвар) үүсгэнэ үү.",
                       "The visit is finished and sealed, so it cannot change. To correct it, "
                       "make an amendment (a new revision)."),
    "sealed_record": ("Лацлагдсан баримтыг өөрчлөх боломжгүй.",
                      "A sealed document cannot be changed."),
    "coordinator_only": ("Энэ бичлэгийг зөвхөн зохицуулагч өөрчилнө.",
                         "Only a coordinator may change this record."),
    "base_version_ahead": ("Таны хуулбар серверээс шинэ гэж заасан нь буруу байна; дахин "
                           "синк хийнэ үү.",
                           "Your copy claims to be newer than the server's; sync again."),
    "required": ("«{field}» талбарыг бөглөнө үү.", "The field “{field}” is required."),
    "unknown_field": ("Сервер «{field}» талбарыг танихгүй байна (програмаа шинэчилнэ үү).",
                      "The server does not know the field “{field}” (update the program)."),
    "server_owned": ("«{field}» талбарыг зөвхөн сервер тогтооно.",
                     "The field “{field}” is set by the server only."),
    "write_once": ("«{field}» талбарыг нэг удаа бичсэний дараа өөрчлөхгүй.",
                   "The field “{field}” cannot change once written."),
    "missing_reference": ("«{field}»-ийн заасан бичлэг серверт алга (устгагдсан эсвэл "
                          "хараахан ирээгүй).",
                          "The record “{field}” points to is not on the server (deleted or not "
                          "sent yet)."),
    "not_finite": ("«{field}» талбарын тоо хязгааргүй эсвэл тоо биш байна.",
                   "The number in “{field}” is infinite or not a number."),
    "out_of_range": ("«{field}» талбарын утга зөвшөөрөгдөх мужаас гадуур байна.",
                     "The value of “{field}” is outside the allowed range."),
    "not_a_number": ("«{field}» талбарт тоо оруулна уу.", "“{field}” must be a number."),
    "not_an_integer": ("«{field}» талбарт бүхэл тоо оруулна уу.",
                       "“{field}” must be a whole number."),
    "not_bool": ("«{field}» талбар тийм/үгүй утгатай байна.", "“{field}” must be yes or no."),
    "not_text": ("«{field}» талбарт текст оруулна уу.", "“{field}” must be text."),
    "too_long": ("«{field}» талбарын текст хэт урт байна.", "The text in “{field}” is too long."),
    "nul_char": ("«{field}» талбарт хориотой тэмдэгт байна.",
                 "“{field}” contains a forbidden character."),
    "not_allowed": ("«{field}» талбарын утга зөвшөөрөгдсөн сонголтуудын нэг биш байна.",
                    "The value of “{field}” is not one of the allowed choices."),
    "unknown_aimag": ("Аймгийн код буруу байна.", "The aimag code is not known."),
    "unknown_soum": ("Сумын код буруу байна.", "The soum code is not known."),
    "soum_not_in_aimag": ("Сонгосон сум тухайн аймагт харьяалагддаггүй.",
                          "The chosen soum does not belong to that aimag."),
    "not_geojson": ("«{field}» талбарын газарзүйн хэлбэр буруу байна.",
                    "The shape in “{field}” is not valid."),
    "not_geojson_text": ("«{field}» талбарын газарзүйн хэлбэр буруу байна.",
                         "The shape in “{field}” is not valid."),
    "geometry_type": ("«{field}» талбарын хэлбэрийн төрөл буруу байна.",
                      "The kind of shape in “{field}” is not allowed."),
    "bad_coordinates": ("«{field}» талбарын солбицол буруу байна.",
                        "The coordinates in “{field}” are not valid."),
    "ring_not_closed": ("«{field}» талбайн хүрээ битүү биш байна.",
                        "The outline in “{field}” is not closed."),
    "not_json": ("«{field}» талбарын өгөгдөл буруу байна.", "The data in “{field}” is not valid."),
    "not_json_object": ("«{field}» талбарын өгөгдөл буруу байна.",
                        "The data in “{field}” is not valid."),
    "not_a_time": ("«{field}» талбарт цаг буруу байна.", "“{field}” is not a valid time."),
    "not_a_date": ("«{field}» талбарт огноо буруу байна.", "“{field}” is not a valid date."),
    "not_sha": ("Зургийн хэш буруу байна.", "The photo's hash is not valid."),
    "bad_id": ("Бичлэгийн дугаар буруу байна.", "The record's id is not valid."),
    "bad_resolution": ("Зөрчлийн шийдвэр буруу байна.", "The conflict resolution is not valid."),
    "unknown_entity": ("Сервер энэ төрлийн бичлэгийг танихгүй байна (програмаа шинэчилнэ үү).",
                       "The server does not know this kind of record (update the program)."),
}
_GENERIC = ("Сервер энэ өөрчлөлтийг хүлээж аваагүй ({code}).",
            "The server did not accept this change ({code}).")


@dataclass(frozen=True)
class Reason:
    code: str
    field: str
    mn: str
    en: str

    def message(self, lang: str = "mn") -> str:
        return self.mn if lang == "mn" else self.en


def explain(reason: str | None) -> Reason:
    """The sentence for a refusal reason such as ``not_owner`` or ``required:name_mn``."""
    raw = (reason or "refused").strip()
    code, _, field = raw.partition(":")
    mn, en = _TEXT.get(code, _GENERIC)
    return Reason(code, field, mn.format(field=field or "?", code=raw),
                  en.format(field=field or "?", code=raw))
