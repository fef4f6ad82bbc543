"""Demo dealership: one group, two stores of different brands in Guangzhou, a user for every role."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from .choices import DepartmentKind
from .models import DealerGroup, Department, Membership, Store
from .roles import ROLE_DEPARTMENT, ROLE_SLUGS, Role
from .validators import uscc_check_char

ORDER = 0
DEMO_PASSWORD = "Fours-demo-2026"

STORES = [
    {
        "code": "GZTY",
        "slug": "toyota",
        "name": "广州骏途丰田汽车销售服务有限公司",
        "short_name": "骏途丰田4S店",
        "brands": "丰田",
        "address": "广州市天河区黄埔大道中312号",
        "phone": "020-38881234",
        "uscc17": "91440106MA59C8K2X",
    },
    {
        "code": "GZBT",
        "slug": "honda",
        "name": "广州骏途本田汽车销售服务有限公司",
        "short_name": "骏途本田4S店",
        "brands": "本田",
        "address": "广州市番禺区迎宾路88号",
        "phone": "020-34567890",
        "uscc17": "91440113MA5CKW7R3",
    },
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁沈任姚卢钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "志强",
    "晓东",
    "海燕",
    "俊",
    "文博",
    "子涵",
    "浩然",
    "雨桐",
    "嘉怡",
    "国庆",
    "建国",
    "丹",
    "斌",
    "鹏",
    "辉",
    "玲",
    "婷",
]


def person_name(i: int) -> str:
    return SURNAMES[(i * 7) % len(SURNAMES)] + GIVEN[(i * 13) % len(GIVEN)]


def _user(username: str, name: str):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def load(ctx) -> None:
    group, _ = DealerGroup.objects.get_or_create(code="JT", defaults={"name": "骏途汽车集团"})
    ctx.group = group
    stores = []
    for spec in STORES:
        store, _ = Store.objects.get_or_create(
            code=spec["code"],
            defaults={
                "group": group,
                "name": spec["name"],
                "short_name": spec["short_name"],
                "brands": spec["brands"],
                "city": "广州",
                "address": spec["address"],
                "phone": spec["phone"],
                "uscc": spec["uscc17"] + uscc_check_char(spec["uscc17"]),
            },
        )
        store.demo_slug = spec["slug"]
        stores.append(store)
        for kind in DepartmentKind:
            Department.objects.get_or_create(store=store, kind=kind, defaults={"name": f"{kind.label}部"})
    ctx.stores = stores

    n = 0
    gm = _user("group.manager", "骆志远")
    Membership.objects.get_or_create(
        user=gm, role=Group.objects.get(name=Role.GROUP_MANAGER), dealer_group=group
    )
    ctx.users[("*", Role.GROUP_MANAGER)] = gm
    ctx.logins = [
        {
            "username": gm.username,
            "password": DEMO_PASSWORD,
            "store": group.name,
            "role": Role.GROUP_MANAGER.value,
        }
    ]
    for store in stores:
        for role in Role:
            if role == Role.GROUP_MANAGER:
                continue
            n += 1
            username = f"{store.demo_slug}.{ROLE_SLUGS[role]}"
            user = _user(username, person_name(n + stores.index(store) * 31))
            dept = Department.objects.get(store=store, kind=ROLE_DEPARTMENT[role])
            Membership.objects.get_or_create(
                user=user, role=Group.objects.get(name=role.value), store=store, defaults={"department": dept}
            )
            ctx.users[(store.code, role)] = user
            ctx.logins.append(
                {
                    "username": username,
                    "password": DEMO_PASSWORD,
                    "store": store.short_name,
                    "role": role.value,
                }
            )
    User = get_user_model()
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@example.com", DEMO_PASSWORD, first_name="系统管理员")
    ctx.logins.append(
        {"username": "admin", "password": DEMO_PASSWORD, "store": "（全部）", "role": "系统管理员"}
    )
