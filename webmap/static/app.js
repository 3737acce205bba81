/* geo-kissos market map: thematic layers, service sites (clustered, filterable), legend, search.
 * Talks to the app's OGC API - Features endpoints; no external resources. */
(function () {
  'use strict';

  var GK = (window.GK = window.GK || {});
  var NF = {};

  function fmt(v, d) {
    if (v === null || v === undefined || v === '' || (typeof v === 'number' && isNaN(v))) return '–';
    if (typeof v !== 'number') return String(v);
    var key = String(d);
    if (!NF[key]) NF[key] = new Intl.NumberFormat('cs-CZ', { minimumFractionDigits: d, maximumFractionDigits: d });
    return NF[key].format(v);
  }

  function esc(s) {
    return String(s === null || s === undefined ? '' : s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function $(id) { return document.getElementById(id); }

  // lower case without diacritics: "Šternberk" and "sternberk" compare equal
  function fold(s) {
    return String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\s+/g, ' ').trim();
  }

  function status(text, busy) {
    var el = $('gk-status');
    el.textContent = text || '';
    el.className = busy ? 'gk-busy' : '';
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: 'application/geo+json, application/json' } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error((body && body.description) || ('HTTP ' + r.status));
        return body;
      });
    });
  }

  function qs(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      if (params[k] !== null && params[k] !== undefined && params[k] !== '') {
        parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(params[k]));
      }
    });
    return parts.length ? '?' + parts.join('&') : '';
  }

  function popupRows(props, fields) {
    return fields.map(function (f) {
      var v = props[f.field];
      if (v === null || v === undefined || v === '') return '';
      if (f.field === 'target_groups') v = String(v).split(';').map(function (t) { return t.trim(); }).filter(Boolean).join('; ');
      var text = f.decimals === null || f.decimals === undefined ? esc(v) : esc(fmt(Number(v), f.decimals));
      return '<tr><th>' + esc(f.label_cs) + '</th><td>' + text + '</td></tr>';
    }).join('');
  }

  GK.init = function (map, cfg) {
    var state = {
      layerId: cfg.defaultLayer, layerMeta: {}, choroplethZoom: null, choroplethReq: 0,
      sites: [], markers: [], sitesMeta: null, sitesLegend: null, choroLegend: null
    };
    GK.map = map;
    GK.state = state;
    GK.ready = false;

    // ---------------------------------------------------------------- panes and layers
    var narrow = map.getSize().x < 600;  // phones: collapsed controls, no legend padding
    if (map.options.maxZoom === undefined) map.setMaxZoom(18);  // markercluster needs it; folium sets it on tiles only
    if (map.options.minZoom === undefined) map.setMinZoom(6);
    map.createPane('gk-choropleth').style.zIndex = 390;
    // each pane created once (a second createPane would replace it by a new pane at the default z-index)
    var orpPane = map.createPane('gk-orp');
    orpPane.style.zIndex = 410;
    orpPane.style.pointerEvents = 'none';
    var labelPane = map.createPane('gk-labels');
    labelPane.style.zIndex = 640;  // ORP names and values stay readable above the site clusters
    labelPane.style.pointerEvents = 'none';
    map.createPane('gk-sites').style.zIndex = 620;
    var sitesRenderer = L.svg({ pane: 'gk-sites' });
    L.control.zoom({ position: 'topleft', zoomInTitle: 'Přiblížit', zoomOutTitle: 'Oddálit' }).addTo(map);

    var thematic = L.layerGroup().addTo(map);
    var orpLines = L.layerGroup().addTo(map);
    var cluster = L.markerClusterGroup({
      // clusters shrink as one zooms in; sites at the very same point spiderfy on click at the last zoom
      showCoverageOnHover: false, spiderfyOnMaxZoom: true,
      maxClusterRadius: function (z) { return z >= 13 ? 16 : z >= 11 ? 28 : 40; },
      chunkedLoading: true, clusterPane: 'gk-sites',
      iconCreateFunction: function (c) {
        // one group inside: the cluster takes its colour; mixed groups: neutral dark blue
        var n = c.getChildCount();
        var colours = {};
        c.getAllChildMarkers().forEach(function (m) { colours[m.options.fillColor] = true; });
        var keys = Object.keys(colours);
        var size = n < 10 ? 30 : n < 50 ? 36 : n < 200 ? 42 : 48;
        var style = keys.length === 1 ? ' style="background:' + keys[0] + '"' : '';
        return L.divIcon({ html: '<div class="gk-cluster-in"' + style + '>' + n + '</div>', className: 'gk-cluster-icon',
            iconSize: [size, size] });
      }
    }).addTo(map);

    var overlays = {
      'Tematická vrstva': thematic,
      'Hranice ORP': orpLines,
      'Místa služeb': cluster
    };
    if (cfg.tiles) {
      // background tiles: off by default, a failure to load them is harmless
      overlays['Podkladová mapa (OpenStreetMap)'] = L.tileLayer(cfg.tiles.url, {
        attribution: cfg.tiles.attribution, maxZoom: 19, pane: 'tilePane'
      });
    }
    L.control.layers(null, overlays, { collapsed: narrow, position: 'topright' }).addTo(map);

    L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(map);
    var FIT = narrow ? { padding: [10, 10] } : { paddingTopLeft: [20, 20], paddingBottomRight: [290, 20] };  // clear of the legend
    if (cfg.bounds) map.fitBounds(cfg.bounds, FIT);
    GK.cfg = cfg;
    GK.idle = true;  // false while the map pans or zooms (tests wait for it)
    map.on('movestart zoomstart', function () { GK.idle = false; });
    map.on('moveend', function () { GK.idle = true; });
    GK.home = function () { if (cfg.bounds) map.fitBounds(cfg.bounds, FIT); };
    var home = L.control({ position: 'topleft' });
    home.onAdd = function () {
      var div = L.DomUtil.create('div', 'leaflet-bar');
      var a = L.DomUtil.create('a', 'gk-home', div);
      a.href = '#'; a.title = 'Celý kraj / whole region'; a.setAttribute('role', 'button'); a.innerHTML = '&#8962;';
      L.DomEvent.on(a, 'click', function (e) { L.DomEvent.preventDefault(e); L.DomEvent.stopPropagation(e); GK.home(); });
      return div;
    };
    home.addTo(map);

    // ---------------------------------------------------------------- legend
    var legend = L.control({ position: 'bottomright' });
    legend.onAdd = function () {
      this._div = L.DomUtil.create('div', 'gk-legend' + (narrow ? ' gk-collapsed' : ''));
      this._div.title = 'Kliknutím legendu sbalíte / rozbalíte';
      L.DomEvent.disableClickPropagation(this._div);
      L.DomEvent.on(this._div, 'click', function (e) {
        if (e.target.closest('h3')) this._div.classList.toggle('gk-collapsed');
      }, this);
      return this._div;
    };
    legend.addTo(map);

    function drawLegend() {
      var html = '';
      var showChoro = state.choroLegend && map.hasLayer(thematic) && state.layerId;
      if (showChoro) {
        var lg = state.choroLegend;
        html += '<div class="gk-block" id="gk-legend-thematic"><h3>' + esc(lg.title_cs) +
          (lg.year ? ' <span class="gk-year">(' + lg.year + ')</span>' : '') +
          '<span class="gk-en">' + esc(lg.title_en) + '</span></h3><ul>' +
          lg.entries.map(function (e) {
            return '<li><span class="gk-sw" style="background:' + esc(e.colour) + '"></span>' + esc(e.label) + '</li>';
          }).join('') + '</ul>' + (lg.notice ? '<p class="gk-notice">' + esc(lg.notice) + '</p>' : '') +
          (lg.leftOut || []).map(function (t) { return '<p class="gk-left-out">' + esc(t) + '</p>'; }).join('') + '</div>';
      }
      if (state.sitesLegend && map.hasLayer(cluster) && state.sitesLegend.entries.length) {
        html += '<div class="gk-block" id="gk-legend-sites"><h3>' + esc(state.sitesLegend.title_cs) +
          '<span class="gk-en">' + esc(state.sitesLegend.title_en) + '</span></h3><ul>' +
          state.sitesLegend.entries.map(function (e) {
            return '<li><span class="gk-dot" style="background:' + esc(e.colour) + '"></span>' + esc(e.label) + '</li>';
          }).join('') + '</ul></div>';
      }
      legend._div.innerHTML = html;
      legend._div.style.display = html ? '' : 'none';
      fitLegend();
    }
    function fitLegend() {  // never taller than the map (phones, small windows): scroll inside instead
      legend._div.style.maxHeight = Math.max(60, map.getSize().y - 80) + 'px';  // below the layer switcher
    }
    map.on('resize', fitLegend);
    GK.drawLegend = drawLegend;
    map.on('overlayadd overlayremove', drawLegend);

    // ---------------------------------------------------------------- thematic layer
    function zoomBucket() { return Math.max(7, Math.min(13, Math.round(map.getZoom()))); }

    function choroplethPopup(props, meta) {
      var sub = meta.level === 'municipality' ? 'obec · ORP ' + esc(props.orp_name) : 'ORP (obec s rozšířenou působností)';
      return '<div class="gk-pop"><h4>' + esc(props.name) + '</h4><p class="gk-sub">' + sub + '</p>' +
        '<div class="gk-sub">' + esc(meta.legend.title_cs) + (props.year ? ' (' + props.year + ')' : '') + '</div>' +
        '<div class="gk-big">' + esc(props.label) + '</div><table>' + popupRows(props, meta.popup) + '</table></div>';
    }

    function loadMeta(id) {
      if (state.layerMeta[id]) return Promise.resolve(state.layerMeta[id]);
      return getJSON(cfg.api + '/collections/' + encodeURIComponent(id)).then(function (meta) {
        state.layerMeta[id] = meta;
        return meta;
      });
    }

    function fillYears(meta) {
      var sel = $('gk-year');
      var keep = sel.value;
      sel.innerHTML = '';
      var years = meta.years.slice().reverse();
      if (!years.length) sel.innerHTML = '<option value="">bez dat</option>';
      years.forEach(function (y) {
        var o = document.createElement('option');
        o.value = y; o.textContent = y;
        sel.appendChild(o);
      });
      if (keep && years.indexOf(Number(keep)) >= 0) sel.value = keep;
    }

    function loadThematic(force) {
      var id = state.layerId;
      if (!id) {
        thematic.clearLayers(); state.choroLegend = null; drawLegend(); $('gk-layer-note').textContent = '';
        $('gk-layer-source').textContent = '';
        return Promise.resolve();
      }
      var z = zoomBucket();
      if (!force && z === state.choroplethZoom) return Promise.resolve();
      var req = ++state.choroplethReq;
      status('Načítám vrstvu…', true);
      return loadMeta(id).then(function (meta) {
        if (force) fillYears(meta);
        var params = { zoom: z, limit: 10000, year: $('gk-year').value, orp: $('gk-orp').value };
        return getJSON(cfg.api + '/collections/' + encodeURIComponent(id) + '/items' + qs(params)).then(function (fc) {
          if (req !== state.choroplethReq) return;  // a newer request won
          state.choroplethZoom = z;
          thematic.clearLayers();
          L.geoJSON(fc, {
            pane: 'gk-choropleth',
            style: function (f) {
              return { fillColor: f.properties.colour, fillOpacity: 0.78, color: '#ffffff', weight: meta.level === 'orp' ? 1.2 : 0.5, className: 'gk-area' };
            },
            onEachFeature: function (f, lyr) {
              if (meta.level === 'orp') {
                // 13 ORPs: name and value always visible, the way planners read these maps
                // without the input (no register) the name alone: the legend says what is missing
                lyr.bindTooltip('<b>' + esc(f.properties.name) + '</b>' + (fc.notice ? '' : '<br>' + esc(f.properties.label)),
                  { permanent: true, direction: 'center', className: 'gk-orp-label', interactive: false, pane: 'gk-labels' });
              } else {
                lyr.bindTooltip(esc(f.properties.name) + ': ' + esc(f.properties.label), { sticky: true, className: 'gk-tip' });
              }
              lyr.bindPopup(choroplethPopup(f.properties, meta), { maxWidth: 340 });
              lyr.on('mouseover', function () { lyr.setStyle({ weight: 2.2, color: '#1f2a37' }); lyr.bringToFront(); });
              lyr.on('mouseout', function () { lyr.setStyle({ weight: meta.level === 'orp' ? 1.2 : 0.5, color: '#ffffff' }); });
            }
          }).addTo(thematic);
          state.choroLegend = { title_cs: fc.legend.title_cs, title_en: fc.legend.title_en, entries: fc.legend.entries,
            year: fc.year, notice: fc.notice || '', leftOut: fc.legend.leftOut || [] };
          var nodata = fc.features.filter(function (f) { return f.properties.klass < 0; }).length;
          // the register missing is said as such; "no data" only when the inputs are there but empty
          $('gk-layer-note').textContent = fc.notice ? fc.notice
            : (meta.description !== meta.title ? meta.description : '') +
              (fc.features.length && nodata === fc.features.length ? ' Pro tuto vrstvu zatím nejsou data.' : '');
          $('gk-layer-source').textContent = meta.sourceLine ? 'Zdroj: ' + meta.sourceLine +
            (meta.dataDate ? ' (data k ' + meta.dataDate + ')' : '') : '';
          drawLegend();
          status('');
        });
      }).catch(function (err) { status('Vrstvu se nepodařilo načíst: ' + err.message); });
    }
    GK.loadThematic = loadThematic;

    function loadOrpLines() {
      return getJSON(cfg.api + '/boundaries/orp?zoom=' + zoomBucket()).then(function (fc) {
        orpLines.clearLayers();
        L.geoJSON(fc, { pane: 'gk-orp', interactive: false,
          style: { fill: false, color: '#12344d', weight: 1.6, opacity: 0.8, className: 'gk-orp-line' } }).addTo(orpLines);
      }).catch(function (err) { status('Hranice ORP se nepodařilo načíst: ' + err.message); });
    }

    map.on('zoomend', function () { loadThematic(false); });

    // ---------------------------------------------------------------- sites
    function sitePopup(p) {
      var fields = state.sitesMeta ? state.sitesMeta.popup : [];
      return '<div class="gk-pop"><span class="gk-badge" style="background:' + esc(p.colour) + '">§ ' + esc(p.type_code) +
        '</span><h4>' + esc(p.service_name || p.name) + '</h4><p class="gk-sub">' +
        [p.name !== p.service_name ? esc(p.name) : '', p.municipality_name ? 'obec ' + esc(p.municipality_name) : '',
          p.orp_name ? 'ORP ' + esc(p.orp_name) : ''].filter(Boolean).join(' · ') + '</p><table>' +
        popupRows(p, fields.filter(function (f) { return f.field !== 'service_name'; })) + '</table>' +
        (p.location_quality === 'municipality_centroid'
          ? '<p class="gk-sub gk-approx">Poloha je přibližná: adresa nebyla nalezena, bod leží uprostřed obce.</p>' : '') +
        (p.location_quality === 'withheld_municipality'
          ? '<p class="gk-sub gk-approx">Adresa zařízení je utajená: bod leží uprostřed obce.</p>' : '') +
        '</div>';
    }

    function fillSelect(id, options) {
      var sel = $(id);
      var first = sel.options[0];
      sel.innerHTML = '';
      sel.appendChild(first);
      options.forEach(function (o) {
        var opt = document.createElement('option');
        opt.value = o[0]; opt.textContent = o[1];
        sel.appendChild(opt);
      });
    }

    function buildFilters() {
      var types = {}, forms = {}, targets = {}, providers = {}, years = {};
      state.sites.forEach(function (p) {
        types[p.type_code] = true;
        (p.form_codes || '').split(';').forEach(function (f) { if (f) forms[f] = true; });
        (p.target_groups || '').split(';').forEach(function (t) { t = t.trim(); if (t) targets[t] = true; });
        if (p.provider_ico) providers[p.provider_ico] = p.provider_name || p.provider_ico;
        (p.network_years || '').split(';').forEach(function (y) { if (y) years[y] = true; });
      });
      fillSelect('gk-f-type', cfg.types.filter(function (t) { return types[t.code]; })
        .map(function (t) { return [t.code, '§ ' + t.code + ' ' + t.name_cs]; }));
      fillSelect('gk-f-form', cfg.forms.filter(function (f) { return forms[f.code]; })
        .map(function (f) { return [f.code, f.name_cs]; }));
      fillSelect('gk-f-target', Object.keys(targets).sort(function (a, b) { return a.localeCompare(b, 'cs'); })
        .map(function (t) { return [t, t]; }));
      var sameName = {};
      Object.keys(providers).forEach(function (k) { sameName[providers[k]] = (sameName[providers[k]] || 0) + 1; });
      fillSelect('gk-f-provider', Object.keys(providers).sort(function (a, b) {
        return providers[a].localeCompare(providers[b], 'cs') || a.localeCompare(b);
      }).map(function (k) {  // providers sharing a name are told apart by their IČO
        return [k, sameName[providers[k]] > 1 ? providers[k] + ' (IČO ' + k + ')' : providers[k]];
      }));
      fillSelect('gk-f-network', Object.keys(years).sort().reverse().map(function (y) { return [y, y]; }));
    }

    function matches(p, f) {
      if (f.type && p.type_code !== f.type) return false;
      if (f.form && (';' + (p.form_codes || '') + ';').indexOf(';' + f.form + ';') < 0) return false;
      if (f.target && (p.target_groups || '').split(';').map(function (t) { return t.trim(); }).indexOf(f.target) < 0) return false;
      if (f.provider && p.provider_ico !== f.provider) return false;
      if (f.network && (';' + (p.network_years || '') + ';').indexOf(';' + f.network + ';') < 0) return false;
      if (f.orp && p.orp_code !== f.orp) return false;
      return true;
    }

    function applyFilters() {
      var f = {
        type: $('gk-f-type').value, form: $('gk-f-form').value, target: $('gk-f-target').value,
        provider: $('gk-f-provider').value, network: $('gk-f-network').value, orp: $('gk-orp').value
      };
      var shown = [];
      state.markers.forEach(function (m) { if (matches(m.feature.properties, f)) shown.push(m); });
      cluster.clearLayers();
      cluster.addLayers(shown);
      var el = $('gk-site-count');
      el.dataset.count = shown.length;
      el.dataset.total = state.markers.length;
      el.textContent = state.markers.length
        ? 'Zobrazeno ' + fmt(shown.length, 0) + ' z ' + fmt(state.markers.length, 0) + ' míst'
        : (state.sitesMeta && state.sitesMeta.notice ? 'Registr služeb není nahrán' : 'Žádná místa služeb v datech');
      var present = {};
      shown.forEach(function (m) { present[m.feature.properties.colour] = true; });
      if (state.sitesMeta && !state.sitesMeta.notice) {
        state.sitesLegend = {
          title_cs: state.sitesMeta.legend.title_cs, title_en: state.sitesMeta.legend.title_en,
          entries: state.sitesMeta.legend.entries.filter(function (e) { return present[e.colour]; })
        };
      }
      drawLegend();
    }
    GK.applyFilters = applyFilters;

    function loadSites() {
      if (!cfg.sitesLayer) { $('gk-site-count').textContent = 'Vrstva míst není definována'; return Promise.resolve(); }
      var url = cfg.api + '/collections/' + encodeURIComponent(cfg.sitesLayer);
      return Promise.all([getJSON(url), getJSON(url + '/items?limit=10000')]).then(function (res) {
        state.sitesMeta = res[0];
        var fc = res[1];
        state.sites = fc.features.map(function (f) { return f.properties; });
        state.markers = fc.features.filter(function (f) { return f.geometry; }).map(function (f) {
          var c = f.geometry.coordinates;
          var m = L.circleMarker([c[1], c[0]], {
            renderer: sitesRenderer, pane: 'gk-sites', radius: 6.5, color: '#1f2a37', weight: 1.3, opacity: 0.9,
            fillColor: f.properties.colour, fillOpacity: 0.95, className: 'gk-site'
          });
          m.feature = f;
          m.bindTooltip(esc(f.properties.service_name || f.properties.name), { className: 'gk-tip' });
          m.bindPopup(function () { return sitePopup(f.properties); }, { maxWidth: 360 });
          return m;
        });
        buildFilters();
        applyFilters();
      }).catch(function (err) { status('Místa služeb se nepodařilo načíst: ' + err.message); });
    }

    // ---------------------------------------------------------------- search and ORP
    var places = [];
    function placeLabel(p) {
      return p.level === 'orp' ? p.name + ' (ORP)' : p.name + ' (obec, ORP ' + p.orp_name + ')';
    }
    function loadPlaces() {
      return getJSON(cfg.api + '/places').then(function (body) {
        places = body.places;
        // names repeat (even within one ORP): such entries get their code, so each can be picked
        var seen = {};
        places.forEach(function (p) { p.label = placeLabel(p); seen[p.label] = (seen[p.label] || 0) + 1; });
        places.forEach(function (p) {
          if (seen[p.label] > 1) p.label = p.label.replace(/\)$/, ', kód ' + p.code + ')');
          p.folded = fold(p.name); p.foldedLabel = fold(p.label);
        });
        var dl = $('gk-places');
        dl.innerHTML = '';
        places.forEach(function (p) {
          var o = document.createElement('option');
          o.value = p.label;
          dl.appendChild(o);
        });
      }).catch(function (err) { status('Seznam obcí se nepodařilo načíst: ' + err.message); });
    }
    function zoomToBBox(b) {
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], L.extend({ maxZoom: 13 }, FIT));  // clear of the legend
    }
    function findPlace(text) {
      var raw = text.trim().toLowerCase().replace(/\s+/g, ' '), t = fold(text);
      if (!t) return null;
      function first(test) { return places.find(test) || null; }
      return first(function (p) { return p.label.toLowerCase() === raw; }) ||
        first(function (p) { return p.name.toLowerCase() === raw; }) ||
        first(function (p) { return p.foldedLabel === t; }) ||
        first(function (p) { return p.folded === t; }) ||
        first(function (p) { return p.folded.indexOf(t) === 0; }) ||
        first(function (p) { return p.folded.indexOf(t) > 0; });
    }
    GK.search = function (text) {
      if (!text.trim()) { status(''); return null; }
      var p = findPlace(text);
      if (!p) { status('Obec ani ORP „' + text + '“ nenalezena.'); return null; }
      status('');
      zoomToBBox(p.bbox);
      return p;
    };
    $('gk-search').addEventListener('change', function (e) { GK.search(e.target.value); });
    $('gk-search').addEventListener('keydown', function (e) { if (e.key === 'Enter') GK.search(e.target.value); });

    // ---------------------------------------------------------------- panel events
    $('gk-layer').addEventListener('change', function (e) {
      state.layerId = e.target.value || null;
      loadThematic(true);  // the chosen year stays when the new layer has it (fillYears)
    });
    $('gk-year').addEventListener('change', function () { loadThematic(true); });
    $('gk-orp').addEventListener('change', function (e) {
      var code = e.target.value;
      var p = places.find(function (x) { return x.level === 'orp' && x.code === code; });
      if (p) zoomToBBox(p.bbox); else if (cfg.bounds) map.fitBounds(cfg.bounds, FIT);
      loadThematic(true);
      applyFilters();
    });
    ['gk-f-type', 'gk-f-form', 'gk-f-target', 'gk-f-provider', 'gk-f-network'].forEach(function (id) {
      $(id).addEventListener('change', applyFilters);
    });
    $('gk-f-reset').addEventListener('click', function () {
      ['gk-f-type', 'gk-f-form', 'gk-f-target', 'gk-f-provider', 'gk-f-network'].forEach(function (id) { $(id).value = ''; });
      applyFilters();
    });
    $('gk-sites-on').addEventListener('change', function (e) {
      if (e.target.checked) map.addLayer(cluster); else map.removeLayer(cluster);
      drawLegend();
    });
    map.on('overlayadd overlayremove', function () { $('gk-sites-on').checked = map.hasLayer(cluster); });

    // ---------------------------------------------------------------- downloads (exporter)
    function layerTitle(id) {  // the layer the files show (the default one when none is on the map)
      var lay = cfg.layers.find(function (l) { return l.id === id; });
      return lay ? lay.title_cs : id;
    }
    function updateExports() {
      if (!cfg.export || !$('gk-export')) return;
      var orp = $('gk-orp').value, layer = state.layerId || cfg.defaultLayer, year = $('gk-year').value;
      var q = year ? '?year=' + encodeURIComponent(year) : '';
      var base = cfg.export + '/' + encodeURIComponent(orp) + '/';
      ['gk-x-pdf', 'gk-x-png', 'gk-x-gaps', 'gk-x-xlsx'].forEach(function (id) {
        var a = $(id);
        if (!orp) { a.removeAttribute('href'); a.className = 'gk-off'; return; }
        a.className = '';
        a.href = a.dataset.fmt ? base + encodeURIComponent(layer) + '.' + a.dataset.fmt + q
          : base + a.dataset.table + (q ? q + '&' : '?') + 'layer=' + encodeURIComponent(layer);
      });
      $('gk-x-atlas').href = cfg.export + '/atlas/' + encodeURIComponent(layer) + '.pdf' + q;
      $('gk-export-hint').textContent = orp
        ? 'ORP ' + $('gk-orp').selectedOptions[0].textContent + ', vrstva „' + layerTitle(layer) + '“.'
        : 'Vyberte ORP nahoře: mapa aktivní vrstvy a tabulky pro tisk.';
    }
    GK.updateExports = updateExports;
    if ($('gk-x-atlas')) {
      $('gk-x-atlas').addEventListener('click', function () {
        status('Atlas všech ORP se připravuje, stažení může trvat i půl minuty…');
        setTimeout(function () { status(''); }, 30000);
      });
    }
    ['gk-orp', 'gk-layer', 'gk-year'].forEach(function (id) { $(id).addEventListener('change', updateExports); });

    // ---------------------------------------------------------------- permalink (#layer=…&type=…&z=…)
    var FILTERS = { type: 'gk-f-type', form: 'gk-f-form', target: 'gk-f-target', provider: 'gk-f-provider',
      network: 'gk-f-network' };
    function readHash() {
      var h = {};
      location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
        var i = kv.indexOf('=');
        if (i <= 0) return;
        try { h[decodeURIComponent(kv.slice(0, i))] = decodeURIComponent(kv.slice(i + 1)); } catch (e) { /* a mangled link */ }
      });
      return h;
    }
    function writeHash() {
      if (!GK.ready) return;
      var c = map.getCenter();
      var h = { layer: state.layerId || 'none', year: $('gk-year').value, orp: $('gk-orp').value,
        z: map.getZoom(), lat: c.lat.toFixed(4), lng: c.lng.toFixed(4) };
      Object.keys(FILTERS).forEach(function (k) { h[k] = $(FILTERS[k]).value; });
      history.replaceState(null, '', '#' + Object.keys(h).filter(function (k) { return h[k] !== '' && h[k] !== undefined; })
        .map(function (k) { return k + '=' + encodeURIComponent(h[k]); }).join('&'));
    }
    var initial = readHash();
    if (initial.layer) {
      state.layerId = initial.layer === 'none' ? null : initial.layer;
      $('gk-layer').value = state.layerId || '';
      if ($('gk-layer').value !== (state.layerId || '')) { state.layerId = cfg.defaultLayer; $('gk-layer').value = cfg.defaultLayer; }
    }
    if (initial.orp) $('gk-orp').value = initial.orp;
    if (initial.year) { $('gk-year').innerHTML = '<option value="' + esc(initial.year) + '">' + esc(initial.year) + '</option>'; }
    var view = [Number(initial.lat), Number(initial.lng), Number(initial.z)];
    if (initial.z && initial.lat && initial.lng && view.every(isFinite) && Math.abs(view[0]) <= 90 && Math.abs(view[1]) <= 180) {
      map.setView([view[0], view[1]], view[2]);
    }
    map.on('moveend', writeHash);
    document.querySelectorAll('.gk-panel select').forEach(function (el) { el.addEventListener('change', writeHash); });
    $('gk-f-reset').addEventListener('click', writeHash);

    Promise.all([loadThematic(true), loadOrpLines(), loadSites(), loadPlaces()]).then(function () {
      Object.keys(FILTERS).forEach(function (k) { if (initial[k]) $(FILTERS[k]).value = initial[k]; });
      if (Object.keys(FILTERS).some(function (k) { return initial[k]; })) applyFilters();
      updateExports();
      GK.ready = true;
      document.body.dataset.gkReady = '1';
      writeHash();
    });
  };
})();
