package dev.quarry.query.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.web.ValidationException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PostHog's property filter JSON → records: every shape PostHog's clients send, and the 400s for what it forbids. */
class PropertyFilterTest {
    static final ObjectMapper M = new ObjectMapper();

    static PropertyFilter parse(String json) throws Exception {
        return PropertyFilter.parse(M.readTree(json.replace('\'', '"')), "TrendsQuery.properties");
    }

    static ValidationException invalid(String json) {
        return assertThrows(ValidationException.class, () -> parse(json));
    }

    /** A query record holding filters, as the runners' records do. */
    record Holder(PropertyFilter properties, List<PropertyFilter> fixedProperties) {
    }

    @Test
    void eachTypeBecomesItsRecord() throws Exception {
        PropertyFilter.Event e = assertInstanceOf(PropertyFilter.Event.class,
                parse("{'key':'$browser','value':['Chrome','Safari'],'operator':'exact','type':'event','label':'B'}"));
        assertEquals("$browser", e.key());
        assertEquals("exact", e.operator());
        assertEquals(2, e.value().size());
        assertEquals("B", e.label());
        assertEquals("event", assertInstanceOf(PropertyFilter.Event.class, parse("{'key':'x','value':1}")).type());
        assertInstanceOf(PropertyFilter.Person.class, parse("{'key':'email','value':'a','type':'person','operator':'icontains'}"));
        PropertyFilter.Cohort c = assertInstanceOf(PropertyFilter.Cohort.class,
                parse("{'key':'id','value':7,'type':'cohort','cohort_name':'Power users','operator':'not_in'}"));
        assertEquals(7L, c.cohortId());
        assertEquals("Power users", c.cohortName());
        assertEquals("id", assertInstanceOf(PropertyFilter.Cohort.class, parse("{'value':'8','type':'cohort'}")).key());
        assertEquals("event = 1", assertInstanceOf(PropertyFilter.HogQL.class, parse("{'key':'event = 1','type':'hogql'}")).key());
        assertEquals(1, assertInstanceOf(PropertyFilter.GroupProperty.class,
                parse("{'key':'plan','value':'pro','type':'group','group_type_index':1,'operator':'exact'}")).groupTypeIndex());
        assertInstanceOf(PropertyFilter.Element.class, parse("{'key':'tag_name','value':'a','type':'element','operator':'exact'}"));
        assertInstanceOf(PropertyFilter.Session.class, parse("{'key':'$session_duration','value':5,'type':'session','operator':'gt'}"));
        assertInstanceOf(PropertyFilter.Feature.class, parse("{'key':'flag','value':'on','type':'feature','operator':'exact'}"));
        assertInstanceOf(PropertyFilter.Flag.class, parse("{'key':'12','value':true,'type':'flag','operator':'flag_evaluates_to'}"));
        assertInstanceOf(PropertyFilter.DataWarehouse.class, parse("{'key':'a','value':1,'type':'data_warehouse','operator':'exact'}"));
        assertInstanceOf(PropertyFilter.DataWarehousePerson.class,
                parse("{'key':'a','value':1,'type':'data_warehouse_person_property','operator':'exact'}"));
        assertInstanceOf(PropertyFilter.EventMetadata.class, parse("{'key':'distinct_id','value':'u','type':'event_metadata','operator':'exact'}"));
        assertInstanceOf(PropertyFilter.Empty.class, parse("{}"));
    }

    @Test
    void groupsAndLists() throws Exception {
        PropertyGroupFilter g = assertInstanceOf(PropertyGroupFilter.class, parse(
                "{'type':'OR','values':[{'type':'AND','values':[{'key':'a','value':1},{'key':'b','type':'person','value':2}]},"
                        + "{'key':'c','operator':'is_set'}]}"));
        assertEquals("OR", g.type());
        PropertyGroupFilter inner = assertInstanceOf(PropertyGroupFilter.class, g.values().get(0));
        assertEquals(List.of(PropertyFilter.Event.class, PropertyFilter.Person.class),
                inner.values().stream().map(Object::getClass).toList());
        PropertyGroupFilter list = assertInstanceOf(PropertyGroupFilter.class, parse("[{'key':'a','value':1},{'key':'b','value':2}]"));
        assertEquals("AND", list.type());
        assertEquals(2, list.values().size());
        assertEquals(0, assertInstanceOf(PropertyGroupFilter.class, parse("[]")).values().size());
        assertNull(parse("null"));
    }

    @Test
    void insideARecordAsQuerySchemaReadsIt() throws Exception {
        Holder h = QuerySchema.parse(M.readTree("{\"properties\":{\"type\":\"AND\",\"values\":[{\"key\":\"a\",\"value\":1}]},"
                + "\"fixedProperties\":[{\"key\":\"id\",\"value\":3,\"type\":\"cohort\"}]}"), Holder.class, "Holder");
        assertInstanceOf(PropertyGroupFilter.class, h.properties());
        assertInstanceOf(PropertyFilter.Cohort.class, h.fixedProperties().get(0));
        ValidationException e = assertThrows(ValidationException.class, () -> QuerySchema.parse(M.readTree(
                "{\"properties\":[{\"key\":\"a\",\"value\":1,\"negate\":true}]}"), Holder.class, "Holder"));
        assertEquals("negate", e.attr());
        e = assertThrows(ValidationException.class, () -> QuerySchema.parse(M.readTree(
                "{\"fixedProperties\":[{\"key\":\"a\",\"type\":\"bogus\"}]}"), Holder.class, "Holder"));
        assertEquals("type", e.attr());
        assertEquals("Unsupported property filter type \"bogus\"", e.getMessage());
    }

    @Test
    void refusesWhatPostHogForbids() {
        assertEquals("key", invalid("{'value':'a'}").attr());
        assertEquals("Property filter is missing \"key\"", invalid("{'value':'a','type':'person'}").getMessage());
        assertEquals("op", invalid("{'key':'a','value':'a','op':'exact'}").attr());
        assertEquals("cohort_name", invalid("{'key':'a','value':'a','cohort_name':'x'}").attr());
        assertEquals("operator", invalid("{'key':'x','type':'hogql','operator':'exact'}").attr());
        assertEquals("value", invalid("{'key':'id','value':'x','type':'cohort'}").attr());
        assertEquals("type", invalid("{'key':'x','type':'behavioral'}").attr());
        assertEquals("type", invalid("{'type':'XOR','values':[]}").attr());
        assertEquals("values", invalid("{'type':'AND'}").attr());
        assertEquals("A property filter must be an object or a list, got STRING", invalid("'x'").getMessage());
        invalid("{'type':'AND','values':{}}");
        invalid("{'type':'AND','values':[],'extra':1}");
    }
}
