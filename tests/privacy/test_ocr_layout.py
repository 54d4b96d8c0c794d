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


def _data(words: list[tuple[str, int, int, int, int]]) -> dict[str, list[object]]:
    """``image_to_data`` output for words (text, left, top, width, height) on one line."""
    n = len(words)
    return {
        "text": [w[0] for w in words],
        "level": [5] * n,
        "block_num": [1] * n,
        "par_num": [1] * n,
        "line_num": [1] * n,
        "left": [w[1] for w in words],
        "top": [w[2] for w in words],
        "width": [w[3] for w in words],
        "height": [w[4] for w in words],
    }


def test_a_word_box_is_shared_by_character_width() -> None:
    # one OCR word: two CJK characters (40 px each) and an 8-digit number (22 px a digit)
    text, boxes = ocr.page_text(_data([("电话87654321", 100, 10, 256, 40)]))
    assert text == "电话87654321"
    first_digit, last_digit = boxes[2], boxes[-1]
    assert first_digit is not None and last_digit is not None
    assert abs(first_digit[0] - 180) <= 2 and abs(last_digit[2] - 356) <= 2


def test_an_avatar_read_as_a_letter_is_not_text() -> None:
    # a chat avatar (100 px square) read as `a` between 订单 and the next line's 号
    words = [("订单", 800, 10, 80, 40), ("a", 950, 0, 100, 100), ("号", 900, 10, 40, 40)]
    text, _boxes = ocr.page_text(_data(words))
    assert text == "订单号"
    assert ("order_number", "4491950") in found("订单号:4491950")
    # a letter as tall as the text stays
    assert ocr.page_text(_data([("订单", 800, 10, 80, 40), ("A", 880, 10, 22, 40)]))[0] == "订单A"


def test_a_word_stretched_over_the_next_words_ends_where_they_begin() -> None:
    # Tesseract's box for `0594-2817777,` reached 400 px past the number, over `但是`
    words = [("0594-2817777,", 240, 10, 657, 40), ("但", 527, 10, 46, 40), ("是", 572, 10, 43, 40)]
    text, boxes = ocr.page_text(_data(words))
    assert text == "0594-2817777,但是"
    last_digit = boxes[text.index(",") - 1]
    assert last_digit is not None and last_digit[2] <= 527
