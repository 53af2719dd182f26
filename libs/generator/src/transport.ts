/**
 * Transport details of a parcel: flight / voyage / train / truck, master bill, bag number and
 * port of destination, derived from the route, the country and the departure day, so every
 * parcel of one carrier on one departure carries the same voyageNo and billNo.
 */
import { COUNTRIES, VESSELS, type Route } from './codes';
import { chinaDate8, chinaDayNumber } from './format';
import { airWaybill, digits } from './ids';
import { hash32, type Rng } from './prng';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface TransportDetails {
  trafName: string | null;
  voyageNo: string | null;
  billNo: string | null;
  totalPackageNo: string | null;
  POD: string;
  /** Day number (China time) of the planned departure; null for bonded deliveries. */
  departureDay: number | null;
}

/** Weekday of a day number: 0 Monday .. 6 Sunday (1970-01-01 was a Thursday). */
const weekday = (day: number): number => (day + 3) % 7;

/** First day >= `from` whose weekday is in `days`. */
function nextSailing(from: number, days: ReadonlyArray<number>): number {
  for (let d = from; d < from + 7; d++) if (days.includes(weekday(d))) return d;
  return from;
}

const yymmdd = (day: number): string => chinaDate8(day * DAY_MS).slice(2);

/** What does not change from day to day for one route, country and carrier. */
interface Lane {
  h: number;
  pods: ReadonlyArray<string>;
  trafName: string | null;
  /** Flight / train number (AIR, RAIL). */
  fixedVoyage: string | null;
  awbPrefix: string;
  /** Last departure computed: day -> voyageNo, billNo, bag key. */
  day: number;
  voyageNo: string | null;
  billNo: string | null;
  bagBase: string | null;
  bagCount: number;
}

export class TransportPlanner {
  private readonly lanes = new Map<Route, Map<string, Map<string, Lane>>>();

  constructor(private readonly seed: number) {}

  private lane(route: Route, carrierCode: string, country: string): Lane {
    let byCountry = this.lanes.get(route);
    if (!byCountry) {
      byCountry = new Map();
      this.lanes.set(route, byCountry);
    }
    let byCarrier = byCountry.get(country);
    if (!byCarrier) {
      byCarrier = new Map();
      byCountry.set(country, byCarrier);
    }
    let lane = byCarrier.get(carrierCode);
    if (!lane) {
      const c = COUNTRIES[country];
      const h = hash32(`${route.id}|${country}|${carrierCode}`, this.seed);
      let pods: ReadonlyArray<string> = c?.air ?? ['HKG'];
      let trafName: string | null = null;
      let fixedVoyage: string | null = null;
      let awbPrefix = '112';
      if (route.transport === 'AIR' || route.transport === 'POST') {
        const airlines = route.airlines ?? [['CK', '112'] as const];
        const [iata, prefix] = airlines[h % airlines.length];
        const num = 100 + ((h >>> 8) % 880);
        fixedVoyage = `${iata}${num}`;
        trafName = `${iata} ${num}`;
        awbPrefix = prefix;
      } else if (route.transport === 'SEA') {
        pods = c?.sea.length ? c.sea : pods;
        trafName = VESSELS[h % VESSELS.length];
      } else if (route.transport === 'RAIL') {
        pods = c?.rail.length ? c.rail : pods;
        trafName = '中欧班列';
        fixedVoyage = `X8${digits(h % 1000, 3)}`;
      }
      if (route.importPod) pods = [route.importPod];
      lane = {
        h,
        pods,
        trafName,
        fixedVoyage,
        awbPrefix,
        day: NaN,
        voyageNo: null,
        billNo: null,
        bagBase: null,
        bagCount: 0,
      };
      byCarrier.set(carrierCode, lane);
    }
    return lane;
  }

  plan(
    rng: Rng,
    route: Route,
    carrierCode: string,
    carrierTag: string,
    country: string,
    t0: number,
  ): TransportDetails {
    const lane = this.lane(route, carrierCode, country);
    const today = chinaDayNumber(t0);
    let departureDay: number | null = null;
    let trafName = lane.trafName;
    switch (route.transport) {
      case 'AIR':
      case 'POST': {
        // export: today's flight if before 12:00 China time, else tomorrow's; import: the flight that brought it in
        const hourCn = Math.floor(((t0 + 8 * HOUR_MS) % DAY_MS) / HOUR_MS);
        departureDay = route.flow === 'E' ? today + (hourCn < 12 ? 0 : 1) : today - 1;
        break;
      }
      case 'SEA':
        departureDay = nextSailing(today + 2, [3]);
        break;
      case 'RAIL':
        departureDay = nextSailing(today + 1, [1, 4]);
        break;
      case 'ROAD': {
        // trucks to Hong Kong leave in the evening: parcels in by 15:00 China time go the same day
        const hourCn = Math.floor(((t0 + 8 * HOUR_MS) % DAY_MS) / HOUR_MS);
        departureDay = today + (hourCn < 15 ? 0 : 1);
        break;
      }
      default:
        departureDay = null;
    }
    if (departureDay !== null && departureDay !== lane.day) {
      lane.day = departureDay;
      lane.bagCount = 0;
      const d = departureDay;
      switch (route.transport) {
        case 'AIR':
        case 'POST':
          lane.voyageNo = lane.fixedVoyage;
          lane.billNo = airWaybill(
            lane.awbPrefix,
            hash32(`${lane.fixedVoyage}|${carrierCode}|${d}`, this.seed) % 10_000_000,
          );
          break;
        case 'SEA': {
          const week = Math.floor((d + 3) / 7) % 53;
          lane.voyageNo = `${yymmdd(d).slice(0, 2)}${digits(week, 2)}${route.flow === 'E' ? 'E' : 'W'}`;
          lane.billNo = `${carrierTag}SH${yymmdd(d)}${digits(hash32(`${lane.trafName}|${carrierCode}|${d}`, this.seed) % 10000, 4)}`;
          break;
        }
        case 'RAIL':
          lane.voyageNo = lane.fixedVoyage;
          lane.billNo = `CR${yymmdd(d)}${digits(hash32(`${lane.fixedVoyage}|${d}`, this.seed) % 1_000_000, 6)}`;
          break;
        case 'ROAD': {
          const plate = hash32(`${carrierCode}|${d}|${lane.h % 3}`, this.seed);
          lane.voyageNo = `HK${yymmdd(d)}${digits(lane.h % 3, 2)}`;
          lane.billNo = `${carrierTag}HK${yymmdd(d)}${digits(plate % 10000, 4)}`;
          lane.trafName = `粤Z${digits(plate % 10000, 4)}港`;
          break;
        }
      }
      lane.bagBase = lane.billNo === null ? null : lane.billNo.replace(/-/g, '') + 'B';
    }
    if (route.transport === 'ROAD') trafName = lane.trafName;
    const pods = lane.pods;
    const POD = pods.length === 1 ? pods[0] : pods[rng.int(0, pods.length - 1)];
    if (departureDay === null)
      return { trafName, voyageNo: null, billNo: null, totalPackageNo: null, POD, departureDay };
    const bag = Math.floor(lane.bagCount++ / 60) + 1;
    return {
      trafName,
      voyageNo: lane.voyageNo,
      billNo: lane.billNo,
      totalPackageNo: lane.bagBase + digits(bag, 3),
      POD,
      departureDay,
    };
  }
}
