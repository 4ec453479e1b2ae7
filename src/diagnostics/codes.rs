//! The stable diagnostic codes. A code never changes meaning once released; its long
//! explanation lives in `docs/diagnostics.md`, which `cpl explain` prints.
//!
//! Numbering: `E00xx` files and syntax, `E01xx` names, `E02xx` types, `E03xx` policies,
//! gates and waivers, `E04xx` registry data, `E05xx` evaluation, `E06xx` command-line
//! input, `E07xx` decisions, `E08xx` workflows and connectors, `E09xx` objectives,
//! `E10xx` feature flags.
//! `E11xx` configuration.
//! A `W` code is a warning and an `I` code a note.

use super::Severity;

/// What is known of a code besides its name.
#[derive(Clone, Copy, Debug)]
pub struct CodeInfo {
    pub code: Code,
    pub name: &'static str,
    pub severity: Severity,
    /// A few words, used as the SARIF rule description.
    pub title: &'static str,
}

macro_rules! codes {
    ($($variant:ident = $name:literal, $severity:ident, $title:literal;)*) => {
        /// A stable diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// Every code, in numbering order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn info(self) -> CodeInfo {
                match self {
                    $(Code::$variant => CodeInfo {
                        code: self,
                        name: $name,
                        severity: Severity::$severity,
                        title: $title,
                    },)*
                }
            }
        }
    };
}

codes! {
    // Files and syntax.
    SyntaxError = "E0001", Error, "syntax error";
    UnterminatedString = "E0002", Error, "unterminated string";
    UnterminatedComment = "E0003", Error, "unterminated block comment";
    NestingTooDeep = "E0004", Error, "nesting too deep";
    InvalidLiteral = "E0005", Error, "invalid literal";
    InvalidEscape = "E0006", Error, "invalid escape sequence";
    ExpressionTooDeep = "E0007", Error, "expression too deeply nested";
    RepeatedClause = "E0008", Error, "clause given twice";
    InvalidEnumType = "E0009", Error, "invalid enumeration type";
    UnreadableFile = "E0010", Error, "file cannot be read";
    NotUtf8 = "E0011", Error, "file is not valid UTF-8";
    FileTooLarge = "E0012", Error, "file too large";
    BinaryFile = "E0013", Error, "binary file";
    NoSourceFiles = "E0014", Error, "no cpl files found";

    // Names.
    UnknownName = "E0101", Error, "unknown name";
    DuplicateDefinition = "E0102", Error, "name defined twice";
    UnknownType = "E0103", Error, "unknown type";
    UnknownField = "E0104", Error, "unknown field";
    UnknownFunction = "E0105", Error, "unknown function";
    ReservedName = "E0106", Error, "reserved name";
    UnknownEnumValue = "E0107", Error, "value not in enumeration";
    Cycle = "E0108", Error, "definition refers to itself";
    UnknownArgument = "E0109", Error, "unknown argument";
    UnknownSetting = "E0110", Error, "unknown setting";
    NotAPolicy = "E0111", Error, "not a policy";
    UnsupportedItem = "E0112", Error, "item kind not supported yet";

    // Types.
    TypeMismatch = "E0201", Error, "type mismatch";
    ArgumentCount = "E0202", Error, "missing or extra argument";
    InvalidOperands = "E0203", Error, "operator not defined for these types";
    NotCallable = "E0204", Error, "not callable";
    NotIterable = "E0205", Error, "not a list";
    NoFields = "E0206", Error, "value has no fields";
    InvalidCast = "E0207", Error, "cast can never succeed";
    MaybeNull = "E0208", Error, "value may be null";
    NotIndexable = "E0209", Error, "value cannot be indexed";
    InvalidRegex = "E0210", Error, "invalid regular expression";
    InvalidVersion = "E0211", Error, "invalid version";
    EntityKey = "E0212", Error, "entity needs exactly one key";
    NotAnEntity = "E0213", Error, "reference to a non-entity";
    NotComparable = "E0214", Error, "values cannot be compared";
    NotConstant = "E0215", Error, "value must be constant";
    MissingRecordField = "E0216", Error, "record literal lacks a field";

    // Policies, gates and waivers.
    InvalidLevel = "E0301", Error, "invalid enforcement level";
    PolicyShape = "E0302", Error, "misplaced policy statement";
    WaiverOfHardPolicy = "E0303", Error, "waiver of a hard policy";
    WaiverExpired = "E0304", Error, "waiver expired";
    WaiverIncomplete = "E0305", Error, "waiver lacks a setting";
    WaiverUnused = "W0301", Warning, "waiver matches nothing";

    // Registry data.
    MissingField = "E0401", Error, "missing field";
    UnknownDataField = "E0402", Error, "unknown field in data";
    WrongDataType = "E0403", Error, "value of the wrong type";
    ConstraintFailed = "E0404", Error, "constraint not satisfied";
    NotInEnum = "E0405", Error, "value not in enumeration";
    DuplicateKey = "E0406", Error, "duplicate key";
    DanglingRef = "E0407", Error, "reference to a missing entity";
    VersionMismatch = "E0408", Error, "version requirement not satisfied";
    InvalidDataVersion = "E0409", Error, "invalid version in data";
    RefCycle = "E0410", Error, "cycle among references";
    MalformedData = "E0411", Error, "malformed data file";
    DataLimit = "E0412", Error, "data exceeds a limit";
    UnsupportedFormat = "E0413", Error, "unsupported data format";
    PathEscapesRoot = "E0414", Error, "path outside the project";
    MissingInput = "E0415", Error, "input not given";
    NoDataFiles = "W0401", Warning, "pattern matches no file";

    // Evaluation.
    MissingJsonField = "E0501", Error, "field missing at run time";
    CastFailed = "E0502", Error, "cast failed";
    DivisionByZero = "E0503", Error, "division by zero";
    Overflow = "E0504", Error, "arithmetic overflow";
    IndexOutOfRange = "E0505", Error, "index out of range";
    NullValue = "E0506", Error, "null where a value is needed";
    EnvMissing = "E0507", Error, "environment variable not set";
    InvalidArgumentValue = "E0508", Error, "invalid argument to a built-in";
    InternalError = "E0509", Error, "internal error";

    // Command-line input.
    InvalidArg = "E0601", Error, "invalid argument value";
    UnknownArg = "E0602", Error, "unknown or missing argument";
    UnknownItem = "E0603", Error, "no such item";
    UnknownInput = "E0604", Error, "unknown input";
    InvalidOverride = "E0605", Error, "invalid override";
    InputGivenTwice = "E0606", Error, "input given twice";
    UnknownInputFormat = "E0607", Error, "input format not known";
    NoSuchPath = "E0608", Error, "path matches nothing";
    StepSummaryUnwritable = "W0609", Warning, "step summary cannot be written";
    DiagnosticsLeftOut = "I0601", Note, "more diagnostics of one code not shown";

    // Decisions.
    HardDenial = "E0701", Error, "denied by a hard policy";
    SoftDenial = "E0702", Error, "denied by a soft policy";
    Indeterminate = "E0703", Error, "policy could not be decided";
    AdvisoryDenial = "W0701", Warning, "denied by an advisory or overridden policy";
    PolicyWarning = "W0702", Warning, "policy warning";
    Waived = "I0701", Note, "violation waived";

    // Workflows and connectors.
    WorkflowCycle = "E0801", Error, "cycle among steps";
    UnknownStep = "E0802", Error, "unknown step";
    NotAStep = "E0803", Error, "not a step call";
    UnguardedAlwaysRef = "E0804", Error, "always step uses an output that may be missing";
    ConnectorConfig = "E0805", Error, "invalid connector";
    StepFailed = "E0810", Error, "step failed";
    ConnectorReply = "E0811", Error, "connector reply does not match its type";
    StepTimeout = "E0812", Error, "step timed out";
    RunLog = "E0813", Error, "run log unavailable";

    // Service-level objectives.
    ObjectiveBreached = "E0901", Error, "objective breached";
    UnknownMetric = "E0902", Error, "unknown metric";
    NoRuns = "W0901", Warning, "no runs in the window";

    // Feature flags.
    FlagWithoutDefault = "E1001", Error, "flag lacks a default";
    InvalidShare = "E1002", Error, "invalid rollout or split share";
    SplitNotWhole = "E1003", Error, "split shares do not add up to 100 %";
    DuplicateVariant = "E1004", Error, "variant listed twice in a split";
    InvalidBucketingKey = "E1005", Error, "bucketing key is not a string or an integer";
    DuplicateFlagKey = "E1006", Error, "two flags share an external key";
    NoContext = "E1007", Error, "flag reads an undeclared context";
    FlagFailed = "E1008", Error, "flag could not be evaluated";
    // Configuration.
    UnknownEnvironment = "E1101", Error, "unknown environment";
    UnknownConfigPath = "E1102", Error, "unknown configuration path";
    ConfigConstraint = "E1103", Error, "configuration value fails its constraint";
    OverrideGivenTwice = "E1104", Error, "path set twice in one environment";
    NoEnvironments = "E1105", Error, "env block without an environments list";
    ConfigValueMissing = "E1106", Error, "configuration field without a value";
}

impl Code {
    pub fn as_str(self) -> &'static str {
        self.info().name
    }

    pub fn parse(name: &str) -> Option<Code> {
        let upper = name.trim().to_ascii_uppercase();
        Code::ALL.iter().copied().find(|c| c.as_str() == upper)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_match_severity() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let info = code.info();
            assert!(seen.insert(info.name), "duplicate code {}", info.name);
            let expected = match info.severity {
                Severity::Error => 'E',
                Severity::Warning => 'W',
                Severity::Note => 'I',
            };
            assert!(
                info.name.starts_with(expected),
                "{} has severity {:?}",
                info.name,
                info.severity
            );
        }
    }
}
