package dev.quarry.hogql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.quarry.query.schema.PropertyFilter;
import dev.quarry.query.schema.PropertyGroupFilter;
import java.util.List;
import org.junit.jupiter.api.Test;

class PropertyFiltersTest {
    static final ObjectMapper M = new ObjectMapper();

    static String hogql(String json) throws Exception {
        return HogQLPrinter.print(PropertyFilters.toExpr(M.readTree(json.replace('\'', '"'))));
    }

    static String invalid(String json) {
        return assertThrows(PropertyFilters.InvalidFilterException.class,
                () -> PropertyFilters.toExpr(M.readTree(json.replace('\'', '"')))).getMessage();
    }

    @Test
    void operators() throws Exception {
        assertEquals("properties.$browser = 'Chrome'", hogql("{'key':'$browser','value':'Chrome','operator':'exact','type':'event'}"));
        assertEquals("properties.$browser = 'Chrome'", hogql("{'key':'$browser','value':'Chrome'}"));
        assertEquals("properties.$browser IN ('a', 'b')", hogql("{'key':'$browser','value':['a','b'],'operator':'exact'}"));
        assertEquals("properties.$browser IN ('a', 'b')", hogql("{'key':'$browser','value':['a','b'],'operator':'in'}"));
        assertEquals("(properties.x IS NULL OR properties.x != 'a')", hogql("{'key':'x','value':'a','operator':'is_not'}"));
        assertEquals("(properties.x IS NULL OR properties.x NOT IN ('a', 'b'))",
                hogql("{'key':'x','value':['a','b'],'operator':'not_in'}"));
        assertEquals("properties.x ILIKE '%50\\\\%%'", hogql("{'key':'x','value':'50%','operator':'icontains'}"));
        assertEquals("(properties.x IS NULL OR properties.x NOT ILIKE '%a%')",
                hogql("{'key':'x','value':'a','operator':'not_icontains'}"));
        assertEquals("ifNull(match(properties.x, '^a'), false)", hogql("{'key':'x','value':'^a','operator':'regex'}"));
        assertEquals("ifNull(NOT match(properties.x, '^a'), true)", hogql("{'key':'x','value':'^a','operator':'not_regex'}"));
        assertEquals("toFloat(properties.x) > 5.0", hogql("{'key':'x','value':5,'operator':'gt'}"));
        assertEquals("toFloat(properties.x) >= 5.0", hogql("{'key':'x','value':'5','operator':'gte'}"));
        assertEquals("toFloat(properties.x) < 5.0", hogql("{'key':'x','value':5,'operator':'lt'}"));
        assertEquals("toFloat(properties.x) <= 5.0", hogql("{'key':'x','value':5,'operator':'lte'}"));
        assertEquals("toFloat(properties.x) >= 1.0", hogql("{'key':'x','value':1,'operator':'min'}"));
        assertEquals("toFloat(properties.x) <= 1.0", hogql("{'key':'x','value':1,'operator':'max'}"));
        assertEquals("toFloat(properties.x) BETWEEN 1.0 AND 2.0", hogql("{'key':'x','value':[1,2],'operator':'between'}"));
        assertEquals("toFloat(properties.x) NOT BETWEEN 1.0 AND 2.0",
                hogql("{'key':'x','value':[1,2],'operator':'not_between'}"));
        assertEquals("properties.x IS NOT NULL", hogql("{'key':'x','operator':'is_set'}"));
        assertEquals("properties.x IS NULL", hogql("{'key':'x','operator':'is_not_set'}"));
        assertEquals("toDateTime(properties.d) = toDateTime('2024-01-01')",
                hogql("{'key':'d','value':'2024-01-01','operator':'is_date_exact'}"));
        assertEquals("toDateTime(properties.d) < toDateTime('2024-01-01')",
                hogql("{'key':'d','value':'2024-01-01','operator':'is_date_before'}"));
        assertEquals("toDateTime(properties.d) > toDateTime('2024-01-01')",
                hogql("{'key':'d','value':'2024-01-01','operator':'is_date_after'}"));
    }

    @Test
    void typesAndGroups() throws Exception {
        assertEquals("person.properties.email = 'a'", hogql("{'key':'email','value':'a','type':'person'}"));
        assertEquals("person_id IN (SELECT person_id FROM cohort_people WHERE cohort_id = 7)",
                hogql("{'key':'id','value':7,'type':'cohort'}"));
        assertEquals("person_id NOT IN (SELECT person_id FROM cohort_people WHERE cohort_id = 7)",
                hogql("{'key':'id','value':7,'type':'cohort','operator':'not_in'}"));
        assertEquals("event = 1", hogql("{'key':'event = 1','type':'hogql'}"));
        assertEquals("properties.a = '1' AND properties.b = '2'",
                hogql("[{'key':'a','value':1},{'key':'b','value':'2'}]"));
        assertEquals("(properties.a = '1' OR properties.b = 'true' AND properties.c IS NOT NULL)",
                hogql("{'type':'OR','values':[{'key':'a','value':1},{'type':'AND','values':[{'key':'b','value':true},"
                        + "{'key':'c','operator':'is_set'}]}]}"));
        assertEquals("true", hogql("[]"));
        assertEquals("properties.email = 'a'", HogQLPrinter.print(PropertyFilters.toExpr(
                M.readTree("{\"key\":\"email\",\"value\":\"a\",\"type\":\"person\"}"), PropertyFilters.Context.PERSONS)));
    }

    @Test
    void fromRecords() {
        assertEquals("true", HogQLPrinter.print(PropertyFilters.toExpr(new PropertyFilter.Empty())));
        assertEquals("true", HogQLPrinter.print(PropertyFilters.toExpr((PropertyFilter) null)));
        assertEquals("(properties.a = '1' OR person.properties.b IS NOT NULL)", HogQLPrinter.print(PropertyFilters.toExpr(
                new PropertyGroupFilter("OR", List.of(new PropertyFilter.Event("a", null, null, null, IntNode.valueOf(1)),
                        new PropertyGroupFilter("AND", List.of()),
                        new PropertyFilter.Person("b", null, "is_set", null, null))))));
        assertEquals("id NOT IN (SELECT person_id FROM cohort_people WHERE cohort_id = 9)",
                HogQLPrinter.print(PropertyFilters.toExpr(new PropertyFilter.Cohort(null, null, "not_in", null,
                        TextNode.valueOf("9"), "Nine"), PropertyFilters.Context.PERSONS)));
        // an element filter reads the elements chain (ElementFiltersTest)
        assertEquals("match(elements_chain, '(^|;)a(\\\\.|$|;|:)')", HogQLPrinter.print(PropertyFilters.toExpr(
                new PropertyFilter.Element("tag_name", null, "exact", null, TextNode.valueOf("a")))));
        // a session filter: the event's session (its stored key against the sessions' key) has the property; persons
        // have no session; an integer session column compares as its number (no text round trip)
        assertEquals("`#session_key` IN (SELECT `#session_key` FROM sessions WHERE toFloat($session_duration) > 5.0)",
                HogQLPrinter.print(PropertyFilters.toExpr(new PropertyFilter.Session("$session_duration", null, "gt", null,
                        IntNode.valueOf(5)))));
        // is_not also keeps the events without a session, whose session properties are missing: no session fails it
        assertEquals("(`#session_key` IS NULL OR `#session_key` NOT IN "
                        + "(SELECT `#session_key` FROM sessions WHERE NOT ($entry_pathname IS NULL OR $entry_pathname != '/a')))",
                HogQLPrinter.print(PropertyFilters.toExpr(new PropertyFilter.Session("$entry_pathname", null, "is_not", null,
                        TextNode.valueOf("/a")))));
        assertEquals("Session property filters cannot be used on persons", assertThrows(
                PropertyFilters.InvalidFilterException.class, () -> PropertyFilters.toExpr(new PropertyFilter.Session(
                        "$session_duration", null, "gt", null, IntNode.valueOf(5)), PropertyFilters.Context.PERSONS))
                .getMessage());
        assertEquals("true", hogqlUnchecked("{}"));
    }

    static String hogqlUnchecked(String json) {
        try {
            return hogql(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void invalid() {
        assertEquals("Unknown or unsupported field properties.negate", invalid("{'key':'x','value':'a','negate':true}"));
        assertEquals("Unsupported property filter type \"bogus\"", invalid("[{'key':'x','value':'a','type':'bogus'}]"));
        assertEquals("Property filter is missing \"key\"", invalid("{'value':'a'}"));
        assertEquals("Unsupported property filter operator \"bogus\"", invalid("{'key':'x','value':'a','operator':'bogus'}"));
        assertEquals("Unsupported element filter \"x\": selector, tag_name, href or text",
                invalid("{'key':'x','value':'a','type':'element'}"));
        assertEquals("Unsupported property filter type \"recording\"", invalid("{'key':'x','value':'a','type':'recording'}"));
        assertEquals("Operator \"gt\" needs a numeric value", invalid("{'key':'x','value':'abc','operator':'gt'}"));
        assertEquals("Operator \"exact\" needs a \"value\"", invalid("{'key':'x'}"));
        assertEquals("Cohort filter \"value\" must be a cohort id", invalid("{'key':'id','value':'x','type':'cohort'}"));
        assertEquals("Operator \"between\" needs a value [min, max]", invalid("{'key':'x','value':1,'operator':'between'}"));
        assertEquals("A property filter must be an object or a list, got STRING", invalid("'x'"));
        invalid("{'key':'1 +','type':'hogql'}");
        invalid("{'key':'d','value':'yesterday','operator':'is_date_after'}");
    }

    @Test
    void compilesWithTeamFilterInCohortSubquery() throws Exception {
        Expr f = PropertyFilters.toExpr(M.readTree("{\"key\":\"id\",\"value\":7,\"type\":\"cohort\"}"));
        CompiledQuery c = HogQLCompiler.compileSelect("select count() from events where {filters}",
                CompileSettings.of(3).withFilters(f));
        HostileCorpusTest.assertSafe(new CompiledQuery(c.sql(), c.params().stream().map(p -> p.equals(3L) ? 42L : p).toList(),
                c.columns(), c.types(), c.hogql(), c.limit(), c.offset()));
        assertEquals(true, c.sql().contains("\"cohort_people\".\"team_id\" = $1"));
    }
}
