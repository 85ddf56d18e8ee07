"""Built-in demo data: deterministic, in Mongolian, clearly marked as demo.

The sites and companies are invented (so no real company is shown with invented findings); their
soums and positions are real, and each position is checked to lie inside its soum. Used by the
GUI's first start, the tests and the benchmarks.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pemdesk import model
from pemdesk.demo_cases import load_cases
from pemdesk.demo_rehab import add_rehab_demo
from pemdesk.gazetteer import Gazetteer
from pemdesk.ids import to_iso
from pemdesk.progress import Progress
from pemdesk.storage import Store

DEMO_MARK = "ЖИШЭЭ / DEMO"
META_KEY = "demo_loaded"
SEED = 20261122


@dataclass(frozen=True)
class DemoSite:
    name_mn: str
    name_en: str
    aimag: str  # Cyrillic name, looked up in the gazetteer
    soum: str
    kind: model.SiteKind
    licence_no: str
    holder: str
    mineral: str


SITES = (
    DemoSite("Цагаан овоо зэсийн уурхай", "Tsagaan Ovoo copper mine", "Өмнөговь", "Ханбогд",
             model.SiteKind.MINE, "MV-090101", "Говийн Зэс ХХК", "зэс, алт"),
    DemoSite("Хөх нуурын нүүрсний уурхай", "Khökh Nuur coal mine", "Өмнөговь", "Цогтцэций",
             model.SiteKind.MINE, "MV-090102", "Өмнийн Нүүрс ХХК", "чулуун нүүрс"),
    DemoSite("Баяндалайн хайгуулын талбай", "Bayandalai exploration area", "Өмнөговь",
             "Баяндалай", model.SiteKind.LICENCE_AREA, "XV-090103", "Алтан Хайгуул ХХК", "алт"),
    DemoSite("Туул голын алтны шороон орд", "Tuul river placer gold", "Төв", "Заамар",
             model.SiteKind.MINE, "MV-090104", "Туул Голд ХХК", "алт"),
    DemoSite("Туул голын Заамар хэсэг", "Tuul river, Zaamar section", "Төв", "Заамар",
             model.SiteKind.RIVER_SECTION, "", "", ""),
    DemoSite("Эрдэнэсантын малчдын худаг", "Erdenesant herders' well", "Төв", "Эрдэнэсант",
             model.SiteKind.WELL, "", "", ""),
    DemoSite("Мандлын алтны уурхай", "Mandal gold mine", "Сэлэнгэ", "Мандал",
             model.SiteKind.MINE, "MV-090105", "Сэлэнгийн Алт ХХК", "алт"),
    DemoSite("Айрагийн жоншны уурхай", "Airag fluorspar mine", "Дорноговь", "Айраг",
             model.SiteKind.MINE, "MV-090106", "Жонш Трейд ХХК", "жонш"),
    DemoSite("Баян-Өндөрийн баяжуулах үйлдвэр", "Bayan-Öndör processing plant", "Орхон",
             "Баян-Өндөр", model.SiteKind.PROCESSING_PLANT, "MV-090107", "Орхон Баяжмал ХХК",
             "зэс, молибден"),
)

PEOPLE = (
    ("Д. Батболд", model.PersonRole.MONITOR, "Ханбогд сумын иргэдийн хяналтын бүлэг", "99110001"),
    ("Г. Оюунчимэг", model.PersonRole.MONITOR, "Заамар сумын иргэдийн хяналтын бүлэг", "99110002"),
    ("Л. Төмөрбаатар", model.PersonRole.HERDER, "Малчин", "99110003"),
    ("Б. Сарантуяа", model.PersonRole.SOUM_OFFICIAL, "Сумын Засаг даргын тамгын газар", "99110004"),
    ("Ц. Ганзориг", model.PersonRole.INSPECTOR, "Аймгийн мэргэжлийн хяналтын газар", "99110005"),
    ("Э. Үүрийнтуяа", model.PersonRole.COMPANY, "Компанийн байгаль орчны алба", "99110006"),
    ("Н. Өлзийсайхан", model.PersonRole.HERDER, "Малчин", "99110007"),
    ("С. Энхтуяа", model.PersonRole.NGO, "Нутгийн иргэдийн ТББ", "99110008"),
)

# Indicators measured at each kind of site, and (low, high) of generated values.
MEASURED: dict[model.SiteKind, tuple[str, ...]] = {
    model.SiteKind.MINE: ("air.pm10", "air.pm25", "air.tsp", "noise.laeq", "soil.topsoil_depth",
                          "soil.erosion_class", "veg.cover_pct"),
    model.SiteKind.LICENCE_AREA: ("soil.topsoil_depth", "soil.erosion_class", "veg.cover_pct",
                                  "veg.species_count", "land.pit_fenced"),
    model.SiteKind.RIVER_SECTION: ("water.ph", "water.ec", "water.tds", "water.turbidity",
                                   "water.temperature"),
    model.SiteKind.WELL: ("water.ph", "water.ec", "water.tds", "water.well_level",
                          "water.temperature"),
    model.SiteKind.PROCESSING_PLANT: ("air.pm10", "air.pm25", "air.so2", "air.no2", "noise.laeq",
                                      "water.ph"),
}
RANGES: dict[str, tuple[float, float]] = {
    "air.pm10": (25, 140), "air.pm25": (8, 70), "air.tsp": (50, 230), "air.so2": (5, 70),
    "air.no2": (5, 65), "noise.laeq": (38, 72), "soil.topsoil_depth": (3, 35),
    "veg.cover_pct": (4, 75), "veg.species_count": (2, 28), "water.ph": (6.8, 8.9),
    "water.ec": (250, 1800), "water.tds": (150, 1200), "water.turbidity": (2, 90),
    "water.temperature": (3, 19), "water.well_level": (4, 45), "veg.seedling_survival_pct": (35, 95),
}
METHODS = {
    "air": ("зөөврийн тоосны багаж", "portable dust monitor"),
    "noise": ("дуу чимээний хэмжигч", "sound level meter"),
    "water": ("зөөврийн мультиметр", "portable multimeter"),
    "soil": ("хүрз, метр", "spade and tape"),
    "veg": ("1×1 м квадрат", "1×1 m quadrat"),
}
FINDINGS = (
    ("dust", "Тээврийн замаас их хэмжээний тоос босч, ойролцоох бэлчээрт сууж байна.",
     model.Severity.HIGH),
    ("water", "Уурхайн ус зайлуулах сувгаас гол руу булингартай ус урсаж байгаа нь ажиглагдсан.",
     model.Severity.CRITICAL),
    ("waste", "Ахуйн болон үйлдвэрийн хог хаягдлыг зориулалтын бус газар хаясан.",
     model.Severity.MEDIUM),
    ("rehabilitation", "Техникийн нөхөн сэргээлт хийсэн талбайд хөрсний үржил шимт давхаргыг "
     "дутуу дэвсэж, элэгдэл үүссэн.", model.Severity.MEDIUM),
    ("land", "Ил уурхайн хананд нуралт үүсэх эрсдэлтэй ан цав ажиглагдсан, хашаа эвдэрхий.",
     model.Severity.HIGH),
    ("wildlife", "Усан сангийн орчимд зэрлэг амьтан, малын мөр олон байна; хашаа шаардлагатай.",
     model.Severity.LOW),
)
WEATHER = ("Цэлмэг, салхи сул", "Үүлшинэ, баруунаас салхитай", "Цэлмэг, хуурай, халуун",
           "Бага зэргийн бороо", "Салхи ихтэй, тоосжилттой")
PURPOSES = ("Улирлын ээлжит хяналт", "Нөхөн сэргээлтийн явцын хяналт",
            "Иргэдийн гомдлын дагуух шалгалт", "Усны чанарын хяналт", "Жилийн эцсийн хяналт")


@dataclass
class DemoSummary:
    sites: int = 0
    plots: int = 0
    visits: int = 0
    observations: int = 0
    already_loaded: bool = False


class _Ids:
    """Deterministic UUIDv7-shaped ids, so every demo load gives the same records."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._ms = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1000)

    def __call__(self) -> str:
        self._ms += 1
        value = (self._ms << 80) | self._rng.getrandbits(80)
        value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
        value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
        return str(uuid.UUID(int=value))


def _point_in_soum(gaz: Gazetteer, soum_code: str, rng: random.Random) -> tuple[float, float]:
    geometry = gaz.soum_geometry(soum_code)
    anchor = geometry.representative_point()
    for _ in range(200):
        lon = anchor.x + rng.uniform(-0.08, 0.08)
        lat = anchor.y + rng.uniform(-0.05, 0.05)
        located = gaz.locate(lon, lat)
        if located is not None and located.code == soum_code:
            return round(lon, 6), round(lat, 6)
    return round(anchor.x, 6), round(anchor.y, 6)


def _plot_polygon(lon: float, lat: float, area_ha: float, rng: random.Random) -> model.Geometry:
    side_m = math.sqrt(area_ha * 10_000)
    dlat = side_m / 111_320 / 2
    dlon = side_m / (111_320 * math.cos(math.radians(lat))) / 2
    corners = [(-dlon, -dlat), (dlon, -dlat), (dlon, dlat), (-dlon, dlat)]
    ring = [
        [round(lon + x * rng.uniform(0.85, 1.15), 6), round(lat + y * rng.uniform(0.85, 1.15), 6)]
        for x, y in corners
    ]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def is_loaded(store: Store) -> bool:
    return store.meta(META_KEY) is not None


def load_demo(store: Store, progress: Progress | None = None) -> DemoSummary:
    """Add the demo records to ``store`` (once; a second call changes nothing).

    The records are not put in the sync outbox, so demo data never reaches a server. With a
    ``progress``, it counts sites and a cancel rolls everything back: all or nothing.
    """
    if is_loaded(store):
        return DemoSummary(already_loaded=True)
    from pemdesk.catalogue import Catalogue
    from pemdesk.seal import seal_visit

    rng = random.Random(SEED)
    new_id = _Ids(rng)
    gaz = Gazetteer.load()
    catalogue = Catalogue.load()
    summary = DemoSummary()
    stages = list(model.PlotStage)
    # Demo records stay local: they are never captured for sync.
    with store.capture_suppressed():
        people = []
        for name, role, organisation, phone in PEOPLE:
            person = model.Person(name=name, role=role, organisation=organisation, phone=phone,
                                  notes=DEMO_MARK, id=new_id())
            store.save(person)
            people.append(person)
        monitors = [p for p in people if p.role == model.PersonRole.MONITOR]
        others = [p for p in people if p.role != model.PersonRole.MONITOR]

        for site_index, spec in enumerate(SITES):
            if progress is not None:
                progress.update(done=site_index, total=len(SITES))
            aimag = gaz.find_aimag(spec.aimag)
            soum = gaz.find_soum(spec.soum, aimag.code)
            lon, lat = _point_in_soum(gaz, soum.code, rng)
            site = model.Site(
                name_mn=spec.name_mn, name_en=spec.name_en, aimag_code=aimag.code,
                soum_code=soum.code, kind=spec.kind, licence_no=spec.licence_no,
                holder=spec.holder, mineral=spec.mineral, lon=lon, lat=lat,
                notes=f"{DEMO_MARK}: зохиомол объект, бодит компанийн мэдээлэл биш.",
                is_demo=True, id=new_id(),
            )
            store.save(site)
            summary.sites += 1

            plots = []
            for k in range(3):
                stage = stages[(site_index + k) % len(stages)]
                area = round(rng.uniform(3, 25), 1)
                plot = model.Plot(
                    site_id=site.id, name=f"Талбай {site_index + 1}.{k + 1}", stage=stage,
                    geometry=_plot_polygon(lon + rng.uniform(-0.02, 0.02),
                                           lat + rng.uniform(-0.015, 0.015), area, rng),
                    target_year=2025 + k, target_stage=model.PlotStage.HANDED_OVER,
                    disturbed_on=f"{2018 + k}-05-01",
                    technical_on=f"{2022 + k}-06-15" if stage != model.PlotStage.DISTURBED else None,
                    biological_on=f"{2023 + k}-07-01" if stage in (
                        model.PlotStage.BIOLOGICAL, model.PlotStage.HANDED_OVER) else None,
                    handed_over_on=f"{2024 + k}-09-20" if stage == model.PlotStage.HANDED_OVER
                    else None,
                    notes=DEMO_MARK, id=new_id(),
                )
                store.save(plot)
                plots.append(plot)
                summary.plots += 1

            for year_index, year in enumerate((2024, 2025, 2026)):
                for season in range(2 if year_index < 2 else 1):
                    start = datetime(year, 5 + season * 3, 5 + rng.randrange(20), 1 + rng.randrange(5),
                                     rng.randrange(60), tzinfo=UTC)
                    monitor = monitors[site_index % len(monitors)]
                    visit = model.Visit(
                        site_id=site.id, started_at=to_iso(start),
                        ended_at=to_iso(start + timedelta(hours=2, minutes=rng.randrange(60))),
                        lon=round(lon + rng.uniform(-0.003, 0.003), 6),
                        lat=round(lat + rng.uniform(-0.003, 0.003), 6),
                        position_source=model.PositionSource.GPS,
                        weather=rng.choice(WEATHER), purpose=rng.choice(PURPOSES),
                        notes=f"{DEMO_MARK}.", plot_ids=[p.id for p in rng.sample(plots, 2)],
                        created_by=monitor.id, id=new_id(),
                    )
                    store.save(visit)
                    summary.visits += 1
                    store.save(model.Participant(visit.id, monitor.id, monitor.role, id=new_id()))
                    for person in rng.sample(others, 3):
                        store.save(model.Participant(visit.id, person.id, person.role, id=new_id()))
                    for code in MEASURED[spec.kind]:
                        indicator = catalogue.get(code)
                        value: float | str | bool
                        if indicator.value_type == "category":
                            value = rng.choice(indicator.categories).code
                        elif indicator.value_type == "boolean":
                            value = rng.random() < 0.6
                        else:
                            low, high = RANGES[code]
                            value = rng.uniform(low, high)
                            value = round(value) if indicator.value_type == "integer" else round(value, 1)
                        group = code.split(".")[0]
                        method_mn, _method_en = METHODS.get(group, ("нүдээр", "visual"))
                        obs = model.Observation(
                            visit_id=visit.id, indicator=code,
                            value_num=float(value) if isinstance(value, int | float) else None,
                            value_text=value if isinstance(value, str) else None,
                            method=method_mn,
                            observed_at=to_iso(start + timedelta(minutes=rng.randrange(90))),
                            lon=visit.lon, lat=visit.lat, id=new_id(),
                        )
                        store.save(obs)
                        summary.observations += 1
                    if rng.random() < 0.6:
                        category, text, severity = rng.choice(FINDINGS)
                        store.save(model.Finding(
                            visit_id=visit.id, category=category, description=text,
                            severity=severity,
                            follow_up=rng.choice(list(model.FollowUpStatus)),
                            follow_up_due=f"{year}-12-01", id=new_id(),
                        ))
                    # The newest visit of each site is still a draft; the rest are finished
                    # and sealed with this device's key, like any finished visit.
                    if year < 2026:
                        visit.finished_at = visit.ended_at
                        seal_visit(store, visit)
                        store.save(visit)
                        visit.status = model.VisitStatus.FINISHED
                        store.save(visit)
        add_rehab_demo(store, new_id, people)
        load_cases(store, new_id)
        store.set_meta(META_KEY, "1")
    return summary
