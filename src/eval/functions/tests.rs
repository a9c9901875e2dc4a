use super::*;
use crate::value::{Map, Value};
use std::path::Path;

fn render(text: &str, vars: &Map) -> Result<Value, String> {
    // A stand-in renderer: replaces ${name} with the variable's string form.
    let mut out = text.to_string();
    for (k, v) in vars {
        out = out.replace(
            &format!("${{{k}}}"),
            &v.to_template_string().unwrap_or_default(),
        );
    }
    Ok(Value::String(out))
}

fn with_ctx<T>(base: &Path, f: impl FnOnce(&FuncContext) -> T) -> T {
    let ctx = FuncContext {
        base_dir: base,
        render_template: &render,
    };
    f(&ctx)
}

fn c(name: &str, args: Vec<Value>) -> Result<Value, FuncError> {
    with_ctx(Path::new("."), |ctx| call(name, args, ctx))
}

fn ok(name: &str, args: Vec<Value>) -> Value {
    c(name, args).unwrap_or_else(|e| panic!("{name} failed: {e}"))
}

fn err(name: &str, args: Vec<Value>) -> FuncError {
    match c(name, args) {
        Ok(v) => panic!("{name} should fail, got {v:?}"),
        Err(e) => e,
    }
}

fn st(s: &str) -> Value {
    Value::from(s)
}

fn n(x: f64) -> Value {
    Value::Number(x)
}

fn l(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn strs(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| st(s)).collect())
}

fn m(pairs: &[(&str, Value)]) -> Value {
    Value::object(pairs)
}

// ---- dispatcher ----

#[test]
fn names_are_sorted_and_all_dispatch() {
    let names = names();
    assert!(names.windows(2).all(|w| w[0] < w[1]));
    for name in names {
        if ["try", "can", "sensitive", "nonsensitive", "issensitive"].contains(name) {
            continue;
        }
        assert!(
            lookup_spec(name).is_some(),
            "{name} is listed but not dispatched"
        );
    }
}

#[test]
fn unknown_function_suggests_closest() {
    match err("lenght", vec![]) {
        FuncError::UnknownFunction { suggestion, .. } => {
            assert_eq!(suggestion.as_deref(), Some("length"))
        }
        other => panic!("{other:?}"),
    }
    match err("completelybogus", vec![]) {
        FuncError::UnknownFunction { suggestion, .. } => assert_eq!(suggestion, None),
        other => panic!("{other:?}"),
    }
}

#[test]
fn arity_errors_describe_expectation() {
    assert_eq!(
        err("upper", vec![]),
        FuncError::Arity {
            name: "upper".into(),
            expected: "1".into(),
            got: 0
        }
    );
    match err("lookup", vec![st("a")]) {
        FuncError::Arity { expected, .. } => assert_eq!(expected, "2 or 3"),
        other => panic!("{other:?}"),
    }
    match err("max", vec![]) {
        FuncError::Arity { expected, .. } => assert_eq!(expected, "at least 1"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn try_and_can_are_named_but_not_callable() {
    assert!(names().contains(&"try") && names().contains(&"can"));
    assert!(matches!(err("try", vec![n(1.0)]), FuncError::Call(_)));
}

// ---- marks ----

#[test]
fn sensitive_arguments_mark_the_result() {
    let r = ok("upper", vec![st("secret").sensitive()]);
    assert_eq!(r, st("SECRET").sensitive());
    let r = ok("concat", vec![l(vec![st("a").sensitive()]), strs(&["b"])]);
    assert!(r.is_sensitive());
    assert_eq!(r.unmark().0, strs(&["a", "b"]));
}

#[test]
fn errors_never_show_sensitive_values() {
    let e = err("lookup", vec![m(&[]), st("hunter2").sensitive()]);
    assert!(!e.to_string().contains("hunter2"), "{e}");
    let e = err("parseint", vec![st("zzhunter2").sensitive(), n(10.0)]);
    assert!(!e.to_string().contains("hunter2"), "{e}");
    let e = err("cidrhost", vec![st("10.0.0.0/99").sensitive(), n(1.0)]);
    assert!(!e.to_string().contains("10.0.0.0/99"), "{e}");
    let e = err("cidrhost", vec![st("10.0.0.0/24").sensitive(), n(300.0)]);
    assert!(!e.to_string().contains("24"), "{e}");
    let e = err("abs", vec![st("x").sensitive()]);
    assert!(matches!(e, FuncError::Argument { index: 0, .. }));
    // Non-sensitive errors keep their details.
    let e = err("lookup", vec![m(&[]), st("hunter2")]);
    assert!(e.to_string().contains("hunter2"));
}

#[test]
fn sensitive_nonsensitive_issensitive() {
    let s = ok("sensitive", vec![st("x")]);
    assert!(s.is_sensitive());
    assert_eq!(ok("nonsensitive", vec![s.clone()]), st("x"));
    assert_eq!(ok("issensitive", vec![s]), Value::Bool(true));
    assert_eq!(ok("issensitive", vec![st("x")]), Value::Bool(false));
    assert_eq!(
        ok("issensitive", vec![l(vec![st("x").sensitive()])]),
        Value::Bool(true)
    );
}

#[test]
fn unknown_arguments_make_unknown_results() {
    assert_eq!(ok("upper", vec![Value::Unknown]), Value::Unknown);
    assert_eq!(
        ok("join", vec![st(","), l(vec![Value::Unknown])]),
        Value::Unknown
    );
    assert_eq!(
        ok("upper", vec![Value::Unknown.sensitive()]),
        Value::Unknown.sensitive()
    );
    assert_eq!(ok("toset", vec![l(vec![Value::Unknown])]), Value::Unknown);
}

#[test]
fn structural_functions_pass_unknowns_through() {
    let u = Value::Unknown;
    assert_eq!(ok("length", vec![l(vec![u.clone()])]), n(1.0));
    assert_eq!(ok("length", vec![u.clone()]), u);
    assert_eq!(ok("length", vec![m(&[("a", u.clone())])]), n(1.0));
    assert_eq!(
        ok("concat", vec![l(vec![u.clone()]), strs(&["a"])]),
        l(vec![u.clone(), st("a")])
    );
    assert_eq!(ok("concat", vec![u.clone(), strs(&["a"])]), u);
    assert_eq!(
        ok("merge", vec![m(&[("a", u.clone())]), m(&[("b", n(1.0))])]),
        m(&[("a", u.clone()), ("b", n(1.0))])
    );
    assert_eq!(ok("merge", vec![u.clone(), m(&[])]), u);
    assert_eq!(
        ok("element", vec![l(vec![st("a"), u.clone()]), n(0.0)]),
        st("a")
    );
    assert_eq!(ok("element", vec![l(vec![st("a"), u.clone()]), n(1.0)]), u);
    assert_eq!(ok("element", vec![strs(&["a"]), u.clone()]), u);
    assert_eq!(
        ok("index", vec![l(vec![st("a"), u.clone()]), st("a")]),
        n(0.0)
    );
    assert_eq!(ok("index", vec![l(vec![u.clone(), st("a")]), st("a")]), u);
    assert_eq!(ok("lookup", vec![m(&[("a", u.clone())]), st("a")]), u);
    assert_eq!(
        ok(
            "lookup",
            vec![m(&[("a", u.clone()), ("b", n(2.0))]), st("b")]
        ),
        n(2.0)
    );
    assert_eq!(ok("keys", vec![m(&[("a", u.clone())])]), strs(&["a"]));
    assert_eq!(
        ok("values", vec![m(&[("a", u.clone())])]),
        l(vec![u.clone()])
    );
    assert_eq!(
        ok(
            "flatten",
            vec![l(vec![l(vec![m(&[("a", u.clone())])]), strs(&["b"])])]
        ),
        l(vec![m(&[("a", u.clone())]), st("b")])
    );
    assert_eq!(ok("flatten", vec![l(vec![u.clone()])]), u);
    assert_eq!(
        ok(
            "slice",
            vec![l(vec![u.clone(), st("a"), st("b")]), n(0.0), n(2.0)]
        ),
        l(vec![u.clone(), st("a")])
    );
    assert_eq!(
        ok("reverse", vec![l(vec![u.clone(), st("a")])]),
        l(vec![st("a"), u.clone()])
    );
    assert_eq!(ok("tolist", vec![l(vec![u.clone()])]), l(vec![u.clone()]));
    assert_eq!(
        ok("tomap", vec![m(&[("a", u.clone())])]),
        m(&[("a", u.clone())])
    );
    assert_eq!(
        ok("coalesce", vec![Value::Null, st("a"), u.clone()]),
        st("a")
    );
    assert_eq!(ok("coalesce", vec![Value::Null, u.clone(), st("a")]), u);
    assert_eq!(
        ok("compact", vec![strs(&["a", "", "b"])]),
        strs(&["a", "b"])
    );
    assert_eq!(ok("compact", vec![l(vec![st("a"), u.clone()])]), u);
}

// ---- numeric ----

#[test]
fn numeric_functions() {
    assert_eq!(ok("abs", vec![n(-12.4)]), n(12.4));
    assert_eq!(ok("abs", vec![st("-3")]), n(3.0));
    assert!(err("abs", vec![st("x")]).to_string().contains("number"));
    assert_eq!(ok("ceil", vec![n(5.1)]), n(6.0));
    assert_eq!(ok("floor", vec![n(-5.1)]), n(-6.0));
    assert_eq!(ok("log", vec![n(16.0), n(2.0)]), n(4.0));
    assert!(c("log", vec![n(0.0), n(2.0)]).is_err());
    assert_eq!(ok("max", vec![n(12.0), n(54.0), n(3.0)]), n(54.0));
    assert_eq!(ok("min", vec![n(12.0), n(54.0), n(3.0)]), n(3.0));
    assert!(c("max", vec![strs(&["a"])]).is_err());
    assert_eq!(ok("pow", vec![n(3.0), n(2.0)]), n(9.0));
    assert!(c("pow", vec![n(10.0), n(1000.0)]).is_err());
    assert_eq!(ok("signum", vec![n(-13.0)]), n(-1.0));
    assert_eq!(ok("signum", vec![n(0.0)]), n(0.0));
    assert!(c("signum", vec![Value::Null]).is_err());
}

#[test]
fn parseint_bases() {
    assert_eq!(ok("parseint", vec![st("100"), n(10.0)]), n(100.0));
    assert_eq!(ok("parseint", vec![st("FF"), n(16.0)]), n(255.0));
    assert_eq!(ok("parseint", vec![st("-10"), n(16.0)]), n(-16.0));
    assert_eq!(
        ok("parseint", vec![st("1011111011101111"), n(2.0)]),
        n(48879.0)
    );
    assert_eq!(ok("parseint", vec![st("aA"), n(62.0)]), n(656.0));
    assert!(c("parseint", vec![st("12"), n(2.0)]).is_err());
    assert!(c("parseint", vec![st("12"), n(63.0)]).is_err());
    assert!(c("parseint", vec![st(""), n(10.0)]).is_err());
}

// ---- strings ----

#[test]
fn simple_string_functions() {
    assert_eq!(ok("chomp", vec![st("hello\r\n\n")]), st("hello"));
    assert_eq!(
        ok("endswith", vec![st("hello world"), st("world")]),
        Value::Bool(true)
    );
    assert_eq!(
        ok("startswith", vec![st("hello world"), st("world")]),
        Value::Bool(false)
    );
    assert_eq!(
        ok("strcontains", vec![st("hello world"), st("o w")]),
        Value::Bool(true)
    );
    assert_eq!(
        ok("indent", vec![n(2.0), st("[\n  foo,\n]")]),
        st("[\n    foo,\n  ]")
    );
    assert!(c("indent", vec![n(-1.0), st("x")]).is_err());
    assert_eq!(
        ok(
            "join",
            vec![st(", "), strs(&["foo", "bar"]), strs(&["baz"])]
        ),
        st("foo, bar, baz")
    );
    assert!(c("join", vec![st(","), l(vec![strs(&["a"])])]).is_err());
    assert_eq!(ok("lower", vec![st("HELLO")]), st("hello"));
    assert_eq!(ok("upper", vec![st("hello")]), st("HELLO"));
    assert!(c("upper", vec![strs(&["a"])]).is_err());
    assert_eq!(
        ok("title", vec![st("hello world-wide")]),
        st("Hello World-Wide")
    );
    assert_eq!(ok("strrev", vec![st("hello")]), st("olleh"));
    assert_eq!(ok("trim", vec![st("?!hello?!"), st("!?")]), st("hello"));
    assert_eq!(
        ok("trimprefix", vec![st("helloworld"), st("hello")]),
        st("world")
    );
    assert_eq!(
        ok("trimsuffix", vec![st("helloworld"), st("world")]),
        st("hello")
    );
    assert_eq!(ok("trimspace", vec![st("  hello\n\n")]), st("hello"));
    assert_eq!(
        ok("split", vec![st(","), st("foo,bar,baz")]),
        strs(&["foo", "bar", "baz"])
    );
    assert_eq!(ok("split", vec![st(","), st("")]), strs(&[""]));
    assert!(c("split", vec![st(","), Value::Null]).is_err());
    assert_eq!(ok("upper", vec![n(5.0)]), st("5"));
}

#[test]
fn substr_ranges() {
    assert_eq!(
        ok("substr", vec![st("hello world"), n(1.0), n(4.0)]),
        st("ello")
    );
    assert_eq!(ok("substr", vec![st("🤔🤷"), n(0.0), n(1.0)]), st("🤔"));
    assert_eq!(
        ok("substr", vec![st("hello world"), n(-5.0), n(-1.0)]),
        st("world")
    );
    assert_eq!(
        ok("substr", vec![st("hello world"), n(6.0), n(10.0)]),
        st("world")
    );
    assert_eq!(ok("substr", vec![st("hello"), n(100.0), n(2.0)]), st(""));
    assert_eq!(
        ok("substr", vec![st("hello"), n(0.0), n(9.0e15 - 1.0)]),
        st("hello")
    );
    assert_eq!(ok("substr", vec![st("hello"), n(-10.0), n(2.0)]), st("he"));
    assert!(c("substr", vec![st("hello"), n(1.5), n(1.0)]).is_err());
}

#[test]
fn regex_functions() {
    assert_eq!(
        ok(
            "regex",
            vec![st("[a-z]+"), st("53453453.345345aaabbbccc23454")]
        ),
        st("aaabbbccc")
    );
    assert_eq!(
        ok(
            "regex",
            vec![st(r"(\d\d\d\d)-(\d\d)-(\d\d)"), st("2019-02-01")]
        ),
        strs(&["2019", "02", "01"])
    );
    assert_eq!(
        ok(
            "regex",
            vec![
                st(r"^(?:(?P<scheme>[^:/?#]+):)?//(?P<host>[^/]*)"),
                st("https://example.com/")
            ]
        ),
        m(&[("scheme", st("https")), ("host", st("example.com"))])
    );
    assert!(matches!(
        err("regex", vec![st("[a-z]+"), st("123")]),
        FuncError::Call(_)
    ));
    assert!(matches!(
        err("regex", vec![st("("), st("123")]),
        FuncError::Argument { index: 0, .. }
    ));
    assert_eq!(
        ok("regexall", vec![st("[a-z]+"), st("1234abcd5678efgh9")]),
        strs(&["abcd", "efgh"])
    );
    assert_eq!(ok("regexall", vec![st("[a-z]+"), st("123")]), l(vec![]));
}

#[test]
fn replace_plain_and_regex() {
    assert_eq!(
        ok("replace", vec![st("1 + 2 + 3"), st("+"), st("-")]),
        st("1 - 2 - 3")
    );
    assert_eq!(
        ok(
            "replace",
            vec![st("hello world"), st("/w.*d/"), st("everybody")]
        ),
        st("hello everybody")
    );
    assert_eq!(
        ok(
            "replace",
            vec![st("hello world"), st("/(h)(e)/"), st("$2$1")]
        ),
        st("ehllo world")
    );
    assert!(c("replace", vec![st("x"), st("/(/"), st("y")]).is_err());
}

#[test]
fn format_verbs() {
    let f = |spec: &str, args: Vec<Value>| {
        let mut all = vec![st(spec)];
        all.extend(args);
        ok("format", all)
    };
    assert_eq!(f("Hello, %s!", vec![st("Ander")]), st("Hello, Ander!"));
    assert_eq!(
        f("There are %d lights", vec![n(4.0)]),
        st("There are 4 lights")
    );
    assert_eq!(f("%.2f", vec![n(1.23456)]), st("1.23"));
    assert_eq!(f("%f", vec![n(1.5)]), st("1.500000"));
    assert_eq!(f("%q", vec![st("a\"b")]), st("\"a\\\"b\""));
    assert_eq!(f("%v %v", vec![n(5.0), Value::Bool(true)]), st("5 true"));
    assert_eq!(f("%v", vec![strs(&["a"])]), st("[\"a\"]"));
    assert_eq!(f("%t", vec![Value::Bool(false)]), st("false"));
    assert_eq!(
        f("%x %X %o %b", vec![n(255.0), n(255.0), n(8.0), n(5.0)]),
        st("ff FF 10 101")
    );
    assert_eq!(f("100%%", vec![]), st("100%"));
    assert_eq!(
        f("%5d|%-5d|%05d", vec![n(42.0), n(42.0), n(-42.0)]),
        st("   42|42   |-0042")
    );
    assert_eq!(f("%8.3f|", vec![n(1.23456)]), st("   1.235|"));
    assert_eq!(f("%.3s", vec![st("abcdef")]), st("abc"));
    assert_eq!(f("%[2]s %[1]s", vec![st("a"), st("b")]), st("b a"));
    assert_eq!(f("%+d", vec![n(5.0)]), st("+5"));
    assert_eq!(f("%e", vec![n(1234.5678)]), st("1.234568e+03"));
    assert_eq!(f("%s", vec![n(3306.0)]), st("3306"));
    assert!(c("format", vec![st("%d"), n(1.5)]).is_err());
    assert!(c("format", vec![st("%d"), st("x")]).is_err());
    assert!(c("format", vec![st("%s %s"), st("a")]).is_err());
    assert!(c("format", vec![st("%s"), st("a"), st("b")]).is_err());
    assert!(c("format", vec![st("%"), st("a")]).is_err());
    assert!(c("format", vec![st("%z"), st("a")]).is_err());
    assert!(c("format", vec![st("%[0]s"), st("a")]).is_err());
    assert_eq!(ok("format", vec![st("%s"), Value::Unknown]), Value::Unknown);
}

#[test]
fn formatlist_iterates() {
    assert_eq!(
        ok(
            "formatlist",
            vec![st("Hello, %s!"), strs(&["Valentina", "Ander"])]
        ),
        strs(&["Hello, Valentina!", "Hello, Ander!"])
    );
    assert_eq!(
        ok(
            "formatlist",
            vec![
                st("%s, %s!"),
                st("Salutations"),
                strs(&["Valentina", "Ander"])
            ]
        ),
        strs(&["Salutations, Valentina!", "Salutations, Ander!"])
    );
    assert!(c(
        "formatlist",
        vec![st("%s%s"), strs(&["a"]), strs(&["a", "b"])]
    )
    .is_err());
}

// ---- collections ----

#[test]
fn boolean_collections() {
    assert_eq!(
        ok("alltrue", vec![l(vec![st("true"), Value::Bool(true)])]),
        Value::Bool(true)
    );
    assert_eq!(ok("alltrue", vec![l(vec![])]), Value::Bool(true));
    assert_eq!(
        ok(
            "alltrue",
            vec![l(vec![Value::Bool(true), Value::Bool(false)])]
        ),
        Value::Bool(false)
    );
    assert_eq!(
        ok("anytrue", vec![l(vec![st("true"), Value::Bool(false)])]),
        Value::Bool(true)
    );
    assert_eq!(ok("anytrue", vec![l(vec![])]), Value::Bool(false));
    assert!(c("alltrue", vec![l(vec![n(1.0)])]).is_err());
}

#[test]
fn chunklist_coalescelist_compact() {
    assert_eq!(
        ok("chunklist", vec![strs(&["a", "b", "c"]), n(2.0)]),
        l(vec![strs(&["a", "b"]), strs(&["c"])])
    );
    assert_eq!(
        ok("chunklist", vec![strs(&["a"]), n(0.0)]),
        l(vec![strs(&["a"])])
    );
    assert!(c("chunklist", vec![strs(&["a"]), n(-1.0)]).is_err());
    assert_eq!(
        ok("coalescelist", vec![l(vec![]), strs(&["c"])]),
        strs(&["c"])
    );
    assert!(c("coalescelist", vec![l(vec![])]).is_err());
    assert_eq!(ok("coalesce", vec![st(""), n(1.0)]), n(1.0));
    assert!(c("coalesce", vec![Value::Null, st("")]).is_err());
    assert_eq!(
        ok("compact", vec![l(vec![st("a"), Value::Null, st("")])]),
        strs(&["a"])
    );
    assert!(c("compact", vec![st("a")]).is_err());
}

#[test]
fn concat_contains_distinct_element() {
    assert_eq!(
        ok("concat", vec![strs(&["a"]), strs(&["b", "c"])]),
        strs(&["a", "b", "c"])
    );
    assert!(c("concat", vec![st("a")]).is_err());
    assert_eq!(
        ok("contains", vec![strs(&["a", "b"]), st("b")]),
        Value::Bool(true)
    );
    assert_eq!(
        ok("contains", vec![strs(&["a", "b"]), st("c")]),
        Value::Bool(false)
    );
    assert!(c("contains", vec![st("a"), st("a")]).is_err());
    assert_eq!(
        ok("distinct", vec![strs(&["b", "a", "b", "c"])]),
        strs(&["b", "a", "c"])
    );
    assert!(c("distinct", vec![st("a")]).is_err());
    assert_eq!(ok("element", vec![strs(&["a", "b", "c"]), n(3.0)]), st("a"));
    assert!(c("element", vec![l(vec![]), n(0.0)]).is_err());
    assert!(c("element", vec![strs(&["a"]), n(-1.0)]).is_err());
}

#[test]
fn flatten_index_keys_length_lookup() {
    assert_eq!(
        ok(
            "flatten",
            vec![l(vec![strs(&["a", "b"]), l(vec![]), l(vec![strs(&["c"])])])]
        ),
        strs(&["a", "b", "c"])
    );
    assert!(c("flatten", vec![st("a")]).is_err());
    assert_eq!(ok("index", vec![strs(&["a", "b", "c"]), st("b")]), n(1.0));
    assert!(c("index", vec![strs(&["a"]), st("z")]).is_err());
    assert_eq!(
        ok("keys", vec![m(&[("b", n(1.0)), ("a", n(2.0))])]),
        strs(&["a", "b"])
    );
    assert!(c("keys", vec![strs(&["a"])]).is_err());
    assert_eq!(ok("length", vec![st("héllo")]), n(5.0));
    assert_eq!(ok("length", vec![m(&[("a", n(1.0))])]), n(1.0));
    assert!(c("length", vec![n(5.0)]).is_err());
    assert_eq!(
        ok("lookup", vec![m(&[("a", st("x"))]), st("b"), st("d")]),
        st("d")
    );
    assert!(c("lookup", vec![m(&[("a", st("x"))]), st("b")]).is_err());
}

#[test]
fn matchkeys_merge_one_range() {
    assert_eq!(
        ok(
            "matchkeys",
            vec![
                strs(&["i-1", "i-2", "i-3"]),
                strs(&["a", "b", "c"]),
                strs(&["c", "a"])
            ]
        ),
        strs(&["i-1", "i-3"])
    );
    assert!(c("matchkeys", vec![strs(&["a"]), l(vec![]), l(vec![])]).is_err());
    assert_eq!(
        ok(
            "merge",
            vec![
                m(&[("a", n(1.0)), ("b", n(1.0))]),
                Value::Null,
                m(&[("b", n(2.0))])
            ]
        ),
        m(&[("a", n(1.0)), ("b", n(2.0))])
    );
    assert_eq!(ok("merge", vec![]), m(&[]));
    assert!(c("merge", vec![strs(&["a"])]).is_err());
    assert_eq!(ok("one", vec![l(vec![])]), Value::Null);
    assert_eq!(ok("one", vec![strs(&["a"])]), st("a"));
    assert!(c("one", vec![strs(&["a", "b"])]).is_err());
    assert_eq!(ok("range", vec![n(3.0)]), l(vec![n(0.0), n(1.0), n(2.0)]));
    assert_eq!(
        ok("range", vec![n(1.0), n(4.0)]),
        l(vec![n(1.0), n(2.0), n(3.0)])
    );
    assert_eq!(
        ok("range", vec![n(4.0), n(1.0)]),
        l(vec![n(4.0), n(3.0), n(2.0)])
    );
    assert_eq!(
        ok("range", vec![n(0.0), n(1.0), n(0.25)])
            .as_list()
            .map(Vec::len),
        Some(4)
    );
    assert_eq!(ok("range", vec![n(0.0)]), l(vec![]));
    assert!(c("range", vec![n(1.0), n(4.0), n(0.0)]).is_err());
    assert!(c("range", vec![n(1.0), n(4.0), n(-1.0)]).is_err());
    assert!(c("range", vec![n(1.0e300)]).is_err());
    assert!(c("range", vec![n(0.0), n(1.0), n(1.0e-300)]).is_err());
}

#[test]
fn reverse_slice_sort_sum() {
    assert_eq!(ok("reverse", vec![strs(&["a", "b"])]), strs(&["b", "a"]));
    assert!(c("reverse", vec![st("ab")]).is_err());
    assert_eq!(
        ok("slice", vec![strs(&["a", "b", "c", "d"]), n(1.0), n(3.0)]),
        strs(&["b", "c"])
    );
    assert!(c("slice", vec![strs(&["a"]), n(0.0), n(2.0)]).is_err());
    assert!(c("slice", vec![strs(&["a"]), n(1.0), n(0.0)]).is_err());
    assert!(c("slice", vec![strs(&["a"]), n(-1.0), n(0.0)]).is_err());
    assert_eq!(
        ok("sort", vec![strs(&["e", "d", "a", "x"])]),
        strs(&["a", "d", "e", "x"])
    );
    assert_eq!(
        ok("sort", vec![l(vec![n(10.0), n(9.0)])]),
        strs(&["10", "9"])
    );
    assert!(c("sort", vec![l(vec![Value::Null])]).is_err());
    assert_eq!(
        ok("sum", vec![l(vec![n(10.0), n(13.0), n(6.0), n(4.5)])]),
        n(33.5)
    );
    assert!(c("sum", vec![l(vec![])]).is_err());
    assert!(c("sum", vec![strs(&["a"])]).is_err());
}

#[test]
fn set_functions() {
    assert_eq!(ok("toset", vec![strs(&["c", "b", "b"])]), strs(&["b", "c"]));
    assert!(c("toset", vec![st("a")]).is_err());
    assert_eq!(
        ok(
            "setintersection",
            vec![strs(&["a", "b"]), strs(&["b", "c"]), strs(&["b", "d"])]
        ),
        strs(&["b"])
    );
    assert_eq!(
        ok("setunion", vec![strs(&["b", "a"]), strs(&["c", "a"])]),
        strs(&["a", "b", "c"])
    );
    assert_eq!(
        ok(
            "setsubtract",
            vec![strs(&["a", "b", "c"]), strs(&["a", "c"])]
        ),
        strs(&["b"])
    );
    assert_eq!(
        ok("setproduct", vec![strs(&["a", "b"]), strs(&["x"])]),
        l(vec![strs(&["a", "x"]), strs(&["b", "x"])])
    );
    assert_eq!(ok("setproduct", vec![strs(&["a"]), l(vec![])]), l(vec![]));
    assert!(c("setunion", vec![st("a")]).is_err());
    let big = l((0..2000).map(|i| n(i as f64)).collect());
    assert!(c("setproduct", vec![big.clone(), big]).is_err());
}

#[test]
fn transpose_values_zipmap() {
    assert_eq!(
        ok(
            "transpose",
            vec![m(&[("a", strs(&["1", "2"])), ("b", strs(&["2", "3"]))])]
        ),
        m(&[
            ("1", strs(&["a"])),
            ("2", strs(&["a", "b"])),
            ("3", strs(&["b"]))
        ])
    );
    assert!(c("transpose", vec![m(&[("a", st("1"))])]).is_err());
    assert_eq!(
        ok("values", vec![m(&[("b", n(2.0)), ("a", n(1.0))])]),
        l(vec![n(1.0), n(2.0)])
    );
    assert!(c("values", vec![st("a")]).is_err());
    assert_eq!(
        ok("zipmap", vec![strs(&["a", "b"]), l(vec![n(1.0), n(2.0)])]),
        m(&[("a", n(1.0)), ("b", n(2.0))])
    );
    assert!(c("zipmap", vec![strs(&["a"]), l(vec![])]).is_err());
}

// ---- conversions ----

#[test]
fn type_conversions() {
    assert_eq!(ok("tostring", vec![n(5.0)]), st("5"));
    assert_eq!(ok("tostring", vec![Value::Bool(true)]), st("true"));
    assert_eq!(ok("tostring", vec![Value::Null]), Value::Null);
    assert!(c("tostring", vec![strs(&["a"])]).is_err());
    assert_eq!(ok("tonumber", vec![st("3306")]), n(3306.0));
    assert_eq!(ok("tonumber", vec![st("1.5")]), n(1.5));
    assert!(c("tonumber", vec![st("no")]).is_err());
    assert!(c("tonumber", vec![st("inf")]).is_err());
    assert_eq!(ok("tobool", vec![st("true")]), Value::Bool(true));
    assert!(c("tobool", vec![st("yes")]).is_err());
    assert!(c("tobool", vec![n(1.0)]).is_err());
    assert_eq!(ok("tolist", vec![strs(&["a"])]), strs(&["a"]));
    assert!(c("tolist", vec![m(&[])]).is_err());
    assert_eq!(ok("tomap", vec![m(&[("a", n(1.0))])]), m(&[("a", n(1.0))]));
    assert!(c("tomap", vec![strs(&["a"])]).is_err());
}

// ---- encoding ----

#[test]
fn base64_and_hashes() {
    assert_eq!(
        ok("base64encode", vec![st("Hello World")]),
        st("SGVsbG8gV29ybGQ=")
    );
    assert_eq!(
        ok("base64decode", vec![st("SGVsbG8gV29ybGQ=")]),
        st("Hello World")
    );
    assert!(c("base64decode", vec![st("!!!")]).is_err());
    assert!(c("base64decode", vec![st("/w==")]).is_err());
    assert_eq!(
        ok("md5", vec![st("hello world")]),
        st("5eb63bbbe01eeed093cb22bb8f5acdc3")
    );
    assert_eq!(
        ok("sha1", vec![st("hello world")]),
        st("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed")
    );
    assert_eq!(
        ok("sha256", vec![st("hello world")]),
        st("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
    );
    assert!(ok("sha512", vec![st("hello world")])
        .as_str()
        .unwrap()
        .starts_with("309ecc489c12d6eb"));
    assert_eq!(
        ok("base64sha256", vec![st("hello world")]),
        st("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=")
    );
    assert!(c("md5", vec![strs(&["a"])]).is_err());
    assert_eq!(ok("uuid", vec![]), Value::Unknown);
    assert!(c("bcrypt", vec![st("x")]).is_err());
}

#[test]
fn json_csv_url_yaml() {
    assert_eq!(
        ok(
            "jsonencode",
            vec![m(&[("hello", st("<world>")), ("n", n(1.0))])]
        ),
        st("{\"hello\":\"\\u003cworld\\u003e\",\"n\":1}")
    );
    assert_eq!(ok("jsonencode", vec![Value::Null]), st("null"));
    assert_eq!(
        ok("jsondecode", vec![st("{\"a\": [1, true, null]}")]),
        m(&[("a", l(vec![n(1.0), Value::Bool(true), Value::Null]))])
    );
    assert!(c("jsondecode", vec![st("{")]).is_err());
    assert_eq!(
        ok("csvdecode", vec![st("a,b\n1,\"x,y\"\n3,4\n")]),
        l(vec![
            m(&[("a", st("1")), ("b", st("x,y"))]),
            m(&[("a", st("3")), ("b", st("4"))])
        ])
    );
    assert!(c("csvdecode", vec![st("a,b\n1\n")]).is_err());
    assert!(c("csvdecode", vec![st("a,\"b\n")]).is_err());
    assert_eq!(
        ok("urlencode", vec![st("Hello World?&")]),
        st("Hello+World%3F%26")
    );
    assert_eq!(ok("urlencode", vec![st("☃")]), st("%E2%98%83"));
    assert!(c("urlencode", vec![strs(&[])]).is_err());
    assert_eq!(
        ok("yamlencode", vec![m(&[("a", st("b")), ("c", st("d"))])]),
        st("\"a\": \"b\"\n\"c\": \"d\"\n")
    );
    assert_eq!(
        ok(
            "yamlencode",
            vec![m(&[("foo", l(vec![n(1.0), n(2.0)])), ("bar", st("baz"))])]
        ),
        st("\"bar\": \"baz\"\n\"foo\":\n- 1\n- 2\n")
    );
    assert_eq!(
        ok(
            "yamlencode",
            vec![l(vec![m(&[
                ("a", n(1.0)),
                ("b", m(&[("c", Value::Null)]))
            ])])]
        ),
        st("- \"a\": 1\n  \"b\":\n    \"c\": null\n")
    );
    assert_eq!(ok("yamlencode", vec![l(vec![])]), st("[]\n"));
}

#[test]
fn yamldecode_maps_yaml_types_as_terraform_does() {
    let text = r#"
name: web
port: 5432
ratio: 0.5
big: 1e3
negative: -12
hex: 0x1F
octal: 0o17
decimal_with_zero: 0755
infinite: -.inf
enabled: yes
flag: Off
nothing: ~
empty:
version: 1.2.3
quoted: "true"
single: '42'
block: |
  42
tagged: !!str 10
counted: !!int 1_000
when: 2001-12-14t21:59:43.10-05:00
spaced: 2001-12-14 21:59:43.10
day: 2002-12-14
1: one
true: yes-key
list:
  - a
  - 1
  - {x: null, w: [true, "no"]}
"#;
    let got = ok("yamldecode", vec![st(text)]);
    let want = m(&[
        ("name", st("web")),
        ("port", n(5432.0)),
        ("ratio", n(0.5)),
        ("big", n(1000.0)),
        ("negative", n(-12.0)),
        ("hex", n(31.0)),
        ("octal", n(15.0)),
        ("decimal_with_zero", n(755.0)),
        ("infinite", n(f64::NEG_INFINITY)),
        ("enabled", Value::Bool(true)),
        ("flag", Value::Bool(false)),
        ("nothing", Value::Null),
        ("empty", Value::Null),
        ("version", st("1.2.3")),
        ("quoted", st("true")),
        ("single", st("42")),
        ("block", st("42\n")),
        ("tagged", st("10")),
        ("counted", n(1000.0)),
        ("when", st("2001-12-14T21:59:43-05:00")),
        ("spaced", st("2001-12-14T21:59:43Z")),
        ("day", st("2002-12-14T00:00:00Z")),
        ("1", st("one")),
        ("true", st("yes-key")),
        (
            "list",
            l(vec![
                st("a"),
                n(1.0),
                m(&[
                    ("x", Value::Null),
                    ("w", l(vec![Value::Bool(true), st("no")])),
                ]),
            ]),
        ),
    ]);
    assert_eq!(got, want);
    // Nothing at all, or only a comment, is null; a lone scalar is itself.
    assert_eq!(ok("yamldecode", vec![st("")]), Value::Null);
    assert_eq!(ok("yamldecode", vec![st("# nothing\n")]), Value::Null);
    assert_eq!(ok("yamldecode", vec![st("--- hello\n...\n")]), st("hello"));
    assert_eq!(ok("yamldecode", vec![st("[]")]), l(vec![]));
    assert_eq!(ok("yamldecode", vec![st("{}")]), m(&[]));
    // YAML 1.1's bools apply to keys too: Terraform reads `y:` as the key "true".
    assert_eq!(
        ok("yamldecode", vec![st("y: 1\nn: 0\n")]),
        m(&[("true", n(1.0)), ("false", n(0.0))])
    );
}

#[test]
fn yamldecode_follows_anchors_and_merges_mappings() {
    let text = "
defaults: &defaults
  engine: postgres
  port: 5432
tags: &tags [a, b]
primary:
  <<: *defaults
  port: 6432
  tags: *tags
both:
  <<: [*defaults, {engine: mysql}]
";
    let got = ok("yamldecode", vec![st(text)]);
    let defaults = m(&[("engine", st("postgres")), ("port", n(5432.0))]);
    assert_eq!(
        got,
        m(&[
            ("defaults", defaults),
            ("tags", strs(&["a", "b"])),
            (
                "primary",
                m(&[
                    ("engine", st("postgres")),
                    ("port", n(6432.0)),
                    ("tags", strs(&["a", "b"])),
                ])
            ),
            ("both", m(&[("engine", st("mysql")), ("port", n(5432.0))])),
        ])
    );
    // A quoted "<<" is an ordinary key.
    assert_eq!(
        ok("yamldecode", vec![st("'<<': {a: 1}")]),
        m(&[("<<", m(&[("a", n(1.0))]))])
    );
}

#[test]
fn yamldecode_errors_say_where() {
    let cases = [
        ("a: [1\n", "on line 2, column 1: "),
        (
            "--- 1\n--- 2\n",
            "on line 2, column 1: only a single document is allowed",
        ),
        (
            "a:\n  b: &x [1, *x]\n",
            "on line 2, column 13: cannot refer to an anchor from inside its own definition",
        ),
        ("x: *nowhere\n", "on line 1, column 4: "),
        (
            "ok: 1\nflag: !!bool bananas\n",
            "on line 2, column 14: cannot parse \"bananas\" as tag:yaml.org,2002:bool",
        ),
        (
            "n: .nan\n",
            "on line 1, column 4: floating point NaN is not supported",
        ),
        (
            "v: !!nope foo\n",
            "on line 1, column 11: unsupported tag \"tag:yaml.org,2002:nope\"",
        ),
        (
            "? [a]\n: 1\n",
            "on line 1, column 3: only strings are allowed as mapping keys",
        ),
        ("~: 1\n", "on line 1, column 1: mapping key cannot be null"),
        (
            "a: !!map [1]\n",
            "can't interpret sequence as tag:yaml.org,2002:map",
        ),
        (
            "a:\n  <<: [1]\n",
            "on line 2, column 3: cannot merge number (from sequence) into mapping",
        ),
        ("b: !!binary '>>>>'\n", "not valid base64"),
    ];
    for (text, want) in cases {
        let e = err("yamldecode", vec![st(text)]).to_string();
        assert!(e.contains(want), "{text:?}: {e}");
    }
}

#[test]
fn yamldecode_keeps_marks_and_round_trips_yamlencode() {
    let secret = ok("yamldecode", vec![st("password: hunter2").sensitive()]);
    assert_eq!(secret, m(&[("password", st("hunter2"))]).sensitive());
    let e = err(
        "yamldecode",
        vec![st("password: !!int hunter2").sensitive()],
    );
    assert!(!e.to_string().contains("hunter2"), "{e}");
    assert_eq!(ok("yamldecode", vec![Value::Unknown]), Value::Unknown);
    let value = m(&[
        (
            "a",
            l(vec![n(1.0), m(&[("b", st("x: y")), ("c", Value::Null)])]),
        ),
        ("d", st("yes")),
        ("e", Value::Bool(false)),
    ]);
    let text = ok("yamlencode", vec![value.clone()]);
    assert_eq!(ok("yamldecode", vec![text]), value);
}

// ---- filesystem ----

#[test]
fn filesystem_functions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hello.txt"), "Hello ${name}!").unwrap();
    std::fs::write(dir.path().join("bin"), [0xffu8, 0x00]).unwrap();
    with_ctx(dir.path(), |ctx| {
        let call = |name: &str, args: Vec<Value>| super::call(name, args, ctx);
        assert_eq!(
            call("file", vec![st("hello.txt")]).unwrap(),
            st("Hello ${name}!")
        );
        assert!(call("file", vec![st("missing.txt")]).is_err());
        assert!(call("file", vec![st("bin")]).is_err());
        assert_eq!(call("filebase64", vec![st("bin")]).unwrap(), st("/wA="));
        assert_eq!(
            call("fileexists", vec![st("hello.txt")]).unwrap(),
            Value::Bool(true)
        );
        assert_eq!(
            call("fileexists", vec![st("nope")]).unwrap(),
            Value::Bool(false)
        );
        assert!(call("fileexists", vec![st(".")]).is_err());
        assert_eq!(
            call(
                "templatefile",
                vec![st("hello.txt"), m(&[("name", st("Ada"))])]
            )
            .unwrap(),
            st("Hello Ada!")
        );
        assert!(call("templatefile", vec![st("hello.txt"), st("x")]).is_err());
        assert!(call("templatefile", vec![st("nope"), m(&[])]).is_err());
    });
    assert_eq!(ok("basename", vec![st("foo/bar/baz.txt")]), st("baz.txt"));
    assert_eq!(ok("basename", vec![st("/foo/bar/")]), st("bar"));
    assert_eq!(ok("basename", vec![st("")]), st("."));
    assert_eq!(ok("dirname", vec![st("foo/bar/baz.txt")]), st("foo/bar"));
    assert_eq!(ok("dirname", vec![st("baz.txt")]), st("."));
    assert_eq!(ok("dirname", vec![st("/foo")]), st("/"));
    assert_eq!(ok("abspath", vec![st("/a/./b/../c")]), st("/a/c"));
    assert!(ok("abspath", vec![st("x")])
        .as_str()
        .unwrap()
        .starts_with('/'));
    assert!(c("abspath", vec![strs(&[])]).is_err());
    if let Ok(home) = std::env::var("HOME") {
        assert_eq!(
            ok("pathexpand", vec![st("~/.ssh")]),
            st(&format!("{home}/.ssh"))
        );
    }
    assert_eq!(ok("pathexpand", vec![st("/etc")]), st("/etc"));
    assert!(c("basename", vec![Value::Null]).is_err());
    assert!(c("dirname", vec![m(&[])]).is_err());
    assert!(c("pathexpand", vec![m(&[])]).is_err());
}

// ---- network ----

#[test]
fn cidr_functions() {
    assert_eq!(
        ok("cidrsubnet", vec![st("10.1.2.0/24"), n(4.0), n(15.0)]),
        st("10.1.2.240/28")
    );
    assert_eq!(
        ok("cidrsubnet", vec![st("172.16.0.0/12"), n(4.0), n(2.0)]),
        st("172.18.0.0/16")
    );
    assert_eq!(
        ok(
            "cidrsubnet",
            vec![st("fd00:fd12:3456:7890::/56"), n(16.0), n(162.0)]
        ),
        st("fd00:fd12:3456:7800:a200::/72")
    );
    assert!(c("cidrsubnet", vec![st("10.1.2.0/24"), n(4.0), n(16.0)]).is_err());
    assert!(c("cidrsubnet", vec![st("10.1.2.0/24"), n(9.0), n(0.0)]).is_err());
    assert!(c("cidrsubnet", vec![st("::/0"), n(200.0), n(0.0)]).is_err());
    assert_eq!(
        ok("cidrsubnet", vec![st("::/0"), n(128.0), n(1.0)]),
        st("::1/128")
    );
    assert_eq!(
        ok("cidrhost", vec![st("10.12.112.0/20"), n(16.0)]),
        st("10.12.112.16")
    );
    assert_eq!(
        ok("cidrhost", vec![st("10.12.112.0/20"), n(268.0)]),
        st("10.12.113.12")
    );
    assert_eq!(
        ok("cidrhost", vec![st("10.0.0.0/24"), n(-1.0)]),
        st("10.0.0.255")
    );
    assert_eq!(
        ok(
            "cidrhost",
            vec![st("fd00:fd12:3456:7890:00a2::/72"), n(34.0)]
        ),
        st("fd00:fd12:3456:7890::22")
    );
    assert!(c("cidrhost", vec![st("10.0.0.0/24"), n(256.0)]).is_err());
    assert!(c("cidrhost", vec![st("10.0.0.0/24"), n(-257.0)]).is_err());
    assert!(c("cidrhost", vec![st("not-an-ip"), n(1.0)]).is_err());
    assert_eq!(
        ok("cidrnetmask", vec![st("172.16.0.0/12")]),
        st("255.240.0.0")
    );
    assert_eq!(ok("cidrnetmask", vec![st("0.0.0.0/0")]), st("0.0.0.0"));
    assert!(c("cidrnetmask", vec![st("::/64")]).is_err());
    assert_eq!(
        ok(
            "cidrsubnets",
            vec![st("10.1.0.0/16"), n(4.0), n(4.0), n(8.0), n(4.0)]
        ),
        strs(&[
            "10.1.0.0/20",
            "10.1.16.0/20",
            "10.1.32.0/24",
            "10.1.48.0/20"
        ])
    );
    assert_eq!(
        ok(
            "cidrsubnets",
            vec![
                st("fd00:fd12:3456:7890::/56"),
                n(16.0),
                n(16.0),
                n(16.0),
                n(32.0)
            ]
        ),
        strs(&[
            "fd00:fd12:3456:7800::/72",
            "fd00:fd12:3456:7800:100::/72",
            "fd00:fd12:3456:7800:200::/72",
            "fd00:fd12:3456:7800:300::/88"
        ])
    );
    assert!(c(
        "cidrsubnets",
        vec![st("10.0.0.0/30"), n(1.0), n(1.0), n(1.0)]
    )
    .is_err());
    assert!(c("cidrsubnets", vec![st("10.0.0.0/30"), n(0.0)]).is_err());
    assert!(c("cidrsubnets", vec![st("10.0.0.0/30"), n(3.0)]).is_err());
    assert!(c("cidrsubnets", vec![st("::/0"), n(1.0), n(1.0), n(1.0)]).is_err());
}

// ---- time ----

#[test]
fn time_functions() {
    assert_eq!(ok("timestamp", vec![]), Value::Unknown);
    assert_eq!(
        ok(
            "formatdate",
            vec![st("DD MMM YYYY hh:mm ZZZ"), st("2018-01-02T23:12:01Z")]
        ),
        st("02 Jan 2018 23:12 UTC")
    );
    assert_eq!(
        ok(
            "formatdate",
            vec![
                st("EEEE, DD-MMM-YY hh:mm:ss ZZZ"),
                st("2018-01-02T23:12:01Z")
            ]
        ),
        st("Tuesday, 02-Jan-18 23:12:01 UTC")
    );
    assert_eq!(
        ok(
            "formatdate",
            vec![
                st("EEE, DD MMM YYYY hh:mm:ss ZZZ"),
                st("2018-01-02T23:12:01-08:00")
            ]
        ),
        st("Tue, 02 Jan 2018 23:12:01 -0800")
    );
    assert_eq!(
        ok(
            "formatdate",
            vec![st("MMM DD, YYYY"), st("2018-01-02T23:12:01Z")]
        ),
        st("Jan 02, 2018")
    );
    assert_eq!(
        ok(
            "formatdate",
            vec![st("HH:mmaa 'o''clock'"), st("2018-01-02T23:12:01Z")]
        ),
        st("11:12pm o'clock")
    );
    assert!(c("formatdate", vec![st("YYYY"), st("yesterday")]).is_err());
    assert!(c("formatdate", vec![st("YYYYY"), st("2018-01-02T23:12:01Z")]).is_err());
    assert!(c("formatdate", vec![st("'open"), st("2018-01-02T23:12:01Z")]).is_err());
    assert_eq!(
        ok("timeadd", vec![st("2017-11-22T00:00:00Z"), st("10m")]),
        st("2017-11-22T00:10:00Z")
    );
    assert_eq!(
        ok("timeadd", vec![st("2017-11-22T00:00:00Z"), st("-1h30m")]),
        st("2017-11-21T22:30:00Z")
    );
    assert!(c("timeadd", vec![st("2017-11-22T00:00:00Z"), st("10x")]).is_err());
    assert!(c("timeadd", vec![st("2017-11-22T00:00:00Z"), st("")]).is_err());
    assert!(c("timeadd", vec![st("9999-12-31T23:00:00Z"), st("2h")]).is_err());
    assert_eq!(
        ok(
            "timecmp",
            vec![st("2017-11-22T00:00:00Z"), st("2017-11-22T01:00:00+01:00")]
        ),
        n(0.0)
    );
}

#[test]
fn no_panics_on_odd_inputs() {
    let odd = [
        Value::Null,
        Value::Unknown,
        n(f64::MAX),
        n(-1.0e308),
        n(0.5),
        st(""),
        st("/"),
        st("%"),
        l(vec![]),
        m(&[]),
        l(vec![Value::Null]),
    ];
    for name in names() {
        for a in &odd {
            for b in &odd {
                let _ = c(name, vec![a.clone(), b.clone()]);
                let _ = c(name, vec![a.clone()]);
                let _ = c(name, vec![a.clone(), b.clone(), b.clone()]);
            }
        }
    }
}

/// Regression (issue #14): a known collection holding unknowns made these functions unknown,
/// where Terraform decides from the known part.
#[test]
fn collections_of_unknowns_were_wholly_unknown() {
    let u = Value::Unknown;
    assert_eq!(ok("length", vec![l(vec![u.clone(), st("a")])]), n(2.0));
    assert_eq!(
        ok("keys", vec![m(&[("a", u.clone()), ("b", u.clone())])]),
        l(vec![st("a"), st("b")])
    );
    assert_eq!(
        ok("contains", vec![l(vec![u.clone(), st("a")]), st("a")]),
        Value::Bool(true)
    );
    assert_eq!(
        ok("contains", vec![l(vec![u.clone(), st("a")]), st("b")]),
        Value::Unknown
    );
    assert_eq!(
        ok("contains", vec![l(vec![st("a")]), st("b")]),
        Value::Bool(false)
    );
    assert_eq!(
        ok("anytrue", vec![l(vec![u.clone(), Value::Bool(true)])]),
        Value::Bool(true)
    );
    assert_eq!(
        ok("alltrue", vec![l(vec![u.clone(), Value::Bool(false)])]),
        Value::Bool(false)
    );
    assert_eq!(
        ok("alltrue", vec![l(vec![u.clone(), Value::Bool(true)])]),
        Value::Unknown
    );
    assert_eq!(ok("one", vec![l(vec![u.clone()])]), u);
    assert_eq!(
        ok(
            "lookup",
            vec![m(&[("a", st("x")), ("b", u.clone())]), st("a")]
        ),
        st("x")
    );
    assert_eq!(
        ok("coalesce", vec![Value::Null, st("x"), u.clone()]),
        st("x")
    );
}

#[test]
fn plantimestamp_is_known_and_the_same_in_one_run() {
    let a = ok("plantimestamp", vec![]);
    assert!(a.as_str().is_some_and(|s| s.ends_with('Z')), "{a:?}");
    assert_eq!(a, ok("plantimestamp", vec![]));
}
