"""Issue 17: the English catalog is English. An ``en`` value may hold Chinese
only where Chinese is what the reader needs:

1. an official document's number (国发〔2014〕8号): it has no English number
   and is how the document is found;
2. a Chinese term immediately followed by its English in parentheses
   (户籍地 (household registration)): the term printed on the forms the person
   holds, explained;
3. a few keys listed in :data:`ALLOWED` with the reason.

Everything else in Chinese is an untranslated string, and this test names it.
"""

from __future__ import annotations

import re

from kiosk.i18n import catalog

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]")
#: 国发〔2014〕8号, 人社部发〔2014〕17号, 国办发〔2009〕66号 ...
DOCUMENT_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,6}〔\d{4}〕\d+号")
#: A Chinese term with its English right after it in parentheses.
GLOSSED = re.compile(r"[\u4e00-\u9fff（）]+ \([A-Za-z][^()\u3400-\u9fff]*\)")
ALLOWED = {
    "resident.attract.language": "the switch to Chinese names Chinese in Chinese (中文), as language switches do",
    "resident.apply.transfer.typed": "an example of what to type: regions are typed in Chinese (广东省深圳市)",
}


def untranslated(value: str) -> str:
    """What is left of ``value`` once the allowed Chinese is taken out."""
    return "".join(CJK.findall(GLOSSED.sub("", DOCUMENT_NUMBER.sub("", value))))


def test_no_english_message_holds_chinese_unless_allowed() -> None:
    english = catalog("en")
    found = {key: value for key, value in english.items() if key not in ALLOWED and untranslated(value)}
    assert found == {}, found


def test_the_allowances_are_narrow() -> None:
    english = catalog("en")
    assert all(key in english and CJK.search(english[key]) for key in ALLOWED)  # no stale entry
    assert untranslated("— 国发〔2014〕8号; RULES §3") == ""
    assert untranslated("户籍地 (household registration)") == ""
    assert untranslated("Status: 已撤回") == "已撤回"  # Chinese with no gloss is not allowed
    assert untranslated("(medical、pension)") == "、"  # nor a Chinese list separator
    assert untranslated("失业保险条例 Art. 17") == "失业保险条例"
