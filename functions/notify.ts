import { cloudEvent } from '@google-cloud/functions-framework';
import { FUNCTIONS, TOPICS } from '../shared/chain/topology.js';
import { pubsubHandler } from '../shared/chain/delivery/handler.js';
import { services } from '../shared/composition.js';

cloudEvent(FUNCTIONS.notify, pubsubHandler(TOPICS.loopEvents, services, (m, id) => services().notify(m, id)));
