"""The screenshot-layout rules on OCR text (no Tesseract needed): misread markers and names."""

from tousu.privacy import ocr


def found(text: str) -> list[tuple[str, str]]:
    boxes = [None if c == "\n" else (i, 0, i + 1, 1) for i, c in enumerate(text)]
    return [(b.kind, b.text) for b in ocr.spans_to_boxes(text, boxes, (10_000, 10))]


def test_a_colon_read_as_a_bar_or_semicolon_still_marks_a_name() -> None:
    assert ("name", "林杰") in found("联系人|林杰\n手机号18631433803")
    assert ("name", "周桂兰") in found("联系人;周桂兰")


def test_a_name_misread_as_latin_letters_after_a_marker_is_boxed() -> None:
    assert ("name", "FSR") in found("请提供下单人的联系方式\n联系人:FSR\n手机号18691067915")


def test_a_name_before_a_mobile_with_its_marker_misread() -> None:
    assert found("WEA:王建华150 6966 7962") == [
        ("name", "王建华"),
        ("mobile", "150 6966 7962"),
    ]


def test_an_address_takes_the_short_rest_of_its_line() -> None:
    assert ("address", "文三路259号5峡802室") in found("浙江省杭州市西湖区\n文三路259号5峡802室\n")


def test_what_is_not_personal_stays() -> None:
    text = "客服热线400-820-8820\n实付款 ¥5999.00\n下单时间:2024-03-18 21:04:33\n商品已发货"
    assert found(text) == []
