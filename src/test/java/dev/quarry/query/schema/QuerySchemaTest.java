package dev.quarry.query.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.insights.LifecycleQuery;
import dev.quarry.insights.StickinessQuery;
import dev.quarry.web.ValidationException;
import org.junit.jupiter.api.Test;

/** Query nodes parse once into their records; an unknown or malformed field is a 400 naming it, at any depth. */
class QuerySchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    private static ValidationException refused(String text, Class<?> type) {
        return assertThrows(ValidationException.class, () -> QuerySchema.parse(json(text), type, type.getSimpleName()));
    }

    @Test
    void parsesWhatPostHogsClientsSend() throws Exception {
        LifecycleQuery q = QuerySchema.parse(json("{'kind':'LifecycleQuery','dateRange':{'date_from':'-14d',"
                + "'explicitDate':false},'series':[{'kind':'EventsNode','event':'$pageview','custom_name':'Views',"
                + "'math':'total'}],'interval':'week','filterTestAccounts':true,'lifecycleFilter':"
                + "{'toggledLifecycles':['new'],'showLegend':true},'modifiers':{'personsOnEventsMode':'disabled'},"
                + "'tags':{'productKey':'p'},'version':2,'response':null,'samplingFactor':null}"),
                LifecycleQuery.class, "LifecycleQuery");
        assertEquals("-14d", q.dateRange().dateFrom());
        assertEquals("Views", q.series().get(0).customName());
        assertEquals("week", q.interval());
        assertTrue(q.filterTestAccounts());
        assertEquals(2, q.lifecycleFilter().chart().size());
        assertEquals("disabled", q.modifiers().path("personsOnEventsMode").asText());
    }

    @Test
    void unknownFieldsAreNamedAtEveryDepth() {
        ValidationException top = refused("{'kind':'LifecycleQuery','somethingNew':1}", LifecycleQuery.class);
        assertEquals("somethingNew", top.attr());
        ValidationException range = refused("{'dateRange':{'date_from':'-7d','from':'x'}}", LifecycleQuery.class);
        assertEquals("from", range.attr());
        assertTrue(range.getMessage().contains("LifecycleQuery.dateRange.from"), range.getMessage());
        ValidationException series = refused("{'series':[{'event':'a','eventt':'b'}]}", StickinessQuery.class);
        assertEquals("eventt", series.attr());
        ValidationException display = refused("{'lifecycleFilter':{'showLegend':true,'colour':'red'}}",
                LifecycleQuery.class);
        assertEquals("colour", display.attr());
        ValidationException criteria = refused("{'stickinessFilter':{'stickinessCriteria':{'operator':'gte',"
                + "'value':1,'unit':'x'}}}", StickinessQuery.class);
        assertEquals("unit", criteria.attr());
        ValidationException filter = refused("{'properties':[{'key':'a','value':1,'operater':'exact'}]}",
                LifecycleQuery.class);
        assertEquals("operater", filter.attr());
        ValidationException seriesFilter = refused("{'series':[{'event':'a','properties':{'type':'OR','values':"
                + "[{'key':'x','type':'persn'}]}}]}", StickinessQuery.class);
        assertEquals("type", seriesFilter.attr());
    }

    @Test
    void propertyFiltersBecomeRecords() throws Exception {
        StickinessQuery q = QuerySchema.parse(json("{'properties':{'type':'OR','values':[{'key':'a','value':1},"
                + "{'key':'id','value':3,'type':'cohort'}]},'series':[{'event':'a','properties':[{'key':'email',"
                + "'value':'x','type':'person','operator':'icontains'}],'fixedProperties':[]}]}"),
                StickinessQuery.class, "StickinessQuery");
        PropertyGroupFilter g = (PropertyGroupFilter) q.properties();
        assertEquals("OR", g.type());
        assertTrue(g.values().get(1) instanceof PropertyFilter.Cohort);
        PropertyGroupFilter series = (PropertyGroupFilter) q.series().get(0).properties();
        assertEquals("icontains", ((PropertyFilter.Person) series.values().get(0)).operator());
        assertTrue(((PropertyGroupFilter) q.series().get(0).fixedProperties()).values().isEmpty());
    }

    @Test
    void malformedValuesAreNamed() {
        assertEquals("intervalCount", refused("{'intervalCount':'many'}", StickinessQuery.class).attr());
        assertEquals("series", refused("{'series':{'event':'a'}}", StickinessQuery.class).attr());
        assertEquals("StickinessQuery", assertThrows(ValidationException.class,
                () -> QuerySchema.parse(json("[1]"), StickinessQuery.class, "StickinessQuery")).attr());
    }

    @Test
    void offValues() {
        assertTrue(QuerySchema.isOff(null));
        assertTrue(QuerySchema.isOff(JSON.nullNode()));
        assertTrue(QuerySchema.isOff(JSON.createArrayNode()));
        QuerySchema.unsupported("TrendsQuery", "samplingFactor", JSON.getNodeFactory().numberNode(1), "1", "1.0");
        ValidationException e = assertThrows(ValidationException.class, () -> QuerySchema.unsupported("TrendsQuery",
                "samplingFactor", JSON.getNodeFactory().numberNode(0.1), "1", "1.0"));
        assertEquals("samplingFactor", e.attr());
    }
}
